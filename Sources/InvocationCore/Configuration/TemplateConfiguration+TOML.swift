import Foundation
import MappingTemplates
import WireFormats

extension TemplateConfiguration {
    /// Reads the template keys of an `[[endpoint]]` or `[[endpoint.variant]]` table: `passthrough_behavior`,
    /// `stage_variables`, `[[request_template]]` and `[[response_template]]`. Template files are read (relative to
    /// the configuration file) and compiled now, so a syntax error is a configuration error with its line and column.
    ///
    /// - Parameter shadow: whether the table is a shadow variant, which shares the production variant's request and
    ///   answer and therefore cannot have templates of its own.
    package init(reading table: inout ConfigTable, shadow: Bool = false) throws(ConfigurationError) {
        self.init()
        if let text = try table.string("passthrough_behavior") {
            guard let behavior = PassthroughBehavior(rawValue: text.uppercased()) else {
                let allowed = PassthroughBehavior.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                throw table.error("passthrough_behavior", "must be one of \(allowed)")
            }
            passthroughBehavior = behavior
        }
        stageVariables = try table.stringMap("stage_variables") ?? [:]
        for direction in TemplateDirection.allCases {
            let key = "\(direction.rawValue)_template"
            var templates: [String: FileTemplate] = [:]
            for var templateTable in try table.tableArray(key) {
                let (contentType, template) = try Self.readTemplate(&templateTable, direction: direction)
                guard templates[contentType] == nil else {
                    throw templateTable.error(
                        "content_type", "a \(direction.rawValue) template for \(contentType) is declared twice")
                }
                try templateTable.finish()
                templates[contentType] = template
            }
            if shadow, !templates.isEmpty {
                throw table.error(
                    key, "a shadow variant receives the production variant's request; it cannot have templates")
            }
            if direction == .request { request = templates } else { response = templates }
        }
        if shadow, passthroughBehavior != nil {
            throw table.error(
                "passthrough_behavior", "a shadow variant receives the production variant's request; it cannot set this"
            )
        }
    }

    private static func readTemplate(
        _ table: inout ConfigTable, direction: TemplateDirection
    ) throws(ConfigurationError) -> (String, FileTemplate) {
        let contentType = MediaType.normalize(try table.requiredString("content_type"))
        guard MediaType.isConcrete(contentType) else {
            throw table.error("content_type", "must be a media type like \"application/json\", not \"\(contentType)\"")
        }
        let file = try table.requiredString("file")
        var outputContentType: String?
        if direction == .request, let output = try table.string("output_content_type") {
            guard MediaType.isOutputContentType(output) else {
                throw table.error("output_content_type", "must be a media type like \"text/csv\", not \"\(output)\"")
            }
            outputContentType = output
        }
        let url = table.context.url(forPath: file)
        let source: String
        do {
            source = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw table.error("file", "cannot read \(file): \(error.localizedDescription)")
        }
        do {
            return (contentType, try FileTemplate(path: file, source: source, outputContentType: outputContentType))
        } catch {
            throw table.error("file", "\(file):\(error.description)")
        }
    }
}
