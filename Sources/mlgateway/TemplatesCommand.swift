import ArgumentParser
import Foundation
import Gateway
import InvocationCore
import MappingTemplates

/// `mlgateway templates …`: render and validate template files, and manage the templates stored in `state_dir`.
struct TemplatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "templates",
        abstract: "Render, validate and manage API Gateway-style mapping templates.",
        subcommands: [
            RenderTemplate.self, ValidateTemplate.self, ListTemplates.self, GetTemplate.self, PutTemplate.self,
            TemplateHistory.self, DiffTemplate.self, RollbackTemplate.self, DeleteTemplate.self,
        ])
}

/// `templates render`: prints exactly the rendered text (no newline added); a template error prints
/// `file:line:column: message` on stderr and exits 1.
struct RenderTemplate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render", abstract: "Render a template file against a sample request; prints exactly the output.")

    @Argument(help: "The template file.")
    var templateFile: String

    @Option(name: .customLong("body"), help: "File holding the request body (default: empty).")
    var bodyFile: String?

    @Option(name: .customLong("content-type"), help: "The request's Content-Type (also $input.params('Content-Type')).")
    var contentType: String?

    @Option(name: .customLong("path-param"), help: "A path parameter K=V (repeatable).")
    var pathParameters: [String] = []

    @Option(name: .customLong("query"), help: "A query string parameter K=V (repeatable).")
    var queryParameters: [String] = []

    @Option(name: .customLong("header"), help: "A request header K=V (repeatable).")
    var headers: [String] = []

    @Option(name: .customLong("stage-variable"), help: "A stage variable K=V (repeatable).")
    var stageVariables: [String] = []

    @Option(name: .customLong("context-json"), help: "File holding $context as a JSON object.")
    var contextFile: String?

    func run() async throws {
        let source = try CLI.read(templateFile)
        var input = TemplateInput(
            body: try bodyFile.map(CLI.read) ?? "",
            pathParameters: try CLI.pairs(pathParameters, option: "--path-param"),
            queryParameters: try CLI.pairs(queryParameters, option: "--query"),
            headers: try CLI.pairs(headers, option: "--header"),
            stageVariables: try CLI.pairs(stageVariables, option: "--stage-variable"))
        input.defaultContentType(contentType)
        if let contextFile {
            let text = try CLI.read(contextFile)
            guard case .map(let context)? = try? TemplateValue(jsonString: text) else {
                throw CLI.fail("\(contextFile): must hold a JSON object")
            }
            input.context = .map(context)
        }
        do {
            let template = try MappingTemplate(source: source, name: templateFile)
            let output = try template.render(input)
            FileHandle.standardOutput.write(Data(output.utf8))
        } catch {
            throw CLI.fail("\(templateFile):\(error.description)")
        }
    }
}

/// `templates validate`: exits 0 when the file compiles, else prints `file:line:column: message` and exits 1.
struct ValidateTemplate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Check a template file for syntax errors.")

    @Argument(help: "The template file.")
    var templateFile: String

    func run() async throws {
        let source = try CLI.read(templateFile)
        if let error = MappingTemplate.validate(source: source, name: templateFile) {
            throw CLI.fail("\(templateFile):\(error.description)")
        }
        print("\(templateFile): OK")
    }
}

/// Options naming a stored template: `ENDPOINT DIRECTION CONTENT_TYPE [--variant V] --config FILE`.
struct TemplateKeyOptions: ParsableArguments {
    @OptionGroup var options: ConfigOptions

    @Argument(help: "The endpoint name.")
    var endpoint: String

    @Argument(help: "request or response.")
    var direction: String

    @Argument(help: "The media type the template is selected by (application/json).")
    var contentType: String

    @Option(help: "A production variant, for a variant's own template.")
    var variant: String?

    /// The configuration, the key checked against it, and the store in its `state_dir`.
    func open() throws -> (GatewayConfiguration, TemplateKey, TemplateStore) {
        let configuration = try options.load()
        do {
            let key = try TemplateKey(
                endpoint: endpoint, variant: variant, direction: direction, contentType: contentType, in: configuration)
            return (configuration, key, try configuration.commandTemplateStore())
        } catch {
            throw CLI.fail("error: \(error.description)")
        }
    }
}

/// `templates list`: the templates in force, stored and from `gateway.conf`.
struct ListTemplates: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the templates in force.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let configuration = try options.load()
        let summaries = try await CLI.store {
            let store = try configuration.commandTemplateStore()
            let live = try await store.liveTemplates().templates
            let latest = try await store.latestVersionNumbers()
            return TemplateCatalog.list(configuration: configuration, live: live, latestVersions: latest)
        }
        var rows = [
            ["ENDPOINT", "VARIANT", "DIRECTION", "CONTENT_TYPE", "ORIGIN", "VERSION", "AUTHOR", "UPDATED", "HASH"]
        ]
        for summary in summaries {
            rows.append([
                summary.endpoint, summary.variant.isEmpty ? "-" : summary.variant, summary.direction.rawValue,
                summary.contentType, summary.origin == "file" ? "file:\(summary.file ?? "")" : "stored",
                summary.version.map(String.init) ?? "-", summary.author ?? "-",
                summary.updatedAt.map(CLI.timestamp) ?? "-", String(summary.hash.prefix(12)),
            ])
        }
        CLI.printTable(rows)
    }
}

/// `templates get`: prints the template in force (or `--version N`) exactly.
struct GetTemplate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Print a template (the one in force, or a stored version).")

    @OptionGroup var target: TemplateKeyOptions

    @Option(help: "A stored version number.")
    var version: Int?

    func run() async throws {
        let (configuration, key, store) = try target.open()
        let history = try await CLI.store { try await store.history(key) }
        let source: String?
        if let version {
            guard let found = history.first(where: { $0.version == version }) else {
                throw CLI.fail("error: \(TemplateStoreError.notFound(key: key, version: version).description)")
            }
            source = found.source
        } else {
            source = TemplateCatalog.effective(key, configuration: configuration, history: history)?.source
        }
        guard let source else { throw CLI.fail("error: no template \(key) is in force") }
        FileHandle.standardOutput.write(Data(source.utf8))
    }
}

/// `templates put`: validates a file and stores it as the next version.
struct PutTemplate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put", abstract: "Validate a template file and store it as a new version.")

    @OptionGroup var target: TemplateKeyOptions

    @Argument(help: "The template file ('-' for standard input).")
    var templateFile: String

    @Option(help: "Author recorded with the version (default: $USER).")
    var author: String?

    @Option(
        name: .customLong("expected-version"), help: "Fail unless the latest stored version is this one (0 = none).")
    var expectedVersion: Int?

    @Option(name: .customLong("output-content-type"), help: "Request templates: the Content-Type the model receives.")
    var outputContentType: String?

    func run() async throws {
        let (_, key, store) = try target.open()
        let source = try CLI.read(templateFile)
        do {
            let version = try await store.put(
                key, source: source, outputContentType: outputContentType, actor: CLI.actor(author),
                expectedVersion: expectedVersion)
            print("\(key): stored version \(version.version) (\(version.hash ?? ""))")
        } catch .invalid(let error) {
            throw CLI.fail("\(templateFile):\(error.description)")
        } catch {
            throw CLI.fail("error: \(error.description)")
        }
    }
}

/// `templates history`: one line per stored version.
struct TemplateHistory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "List the stored versions of a template.")

    @OptionGroup var target: TemplateKeyOptions

    func run() async throws {
        let (_, key, store) = try target.open()
        let history = try await CLI.store { try await store.history(key) }
        var rows = [["VERSION", "ACTION", "AUTHOR", "TIME", "HASH"]]
        for version in history {
            let action =
                version.restoredFrom.map { "\(version.action.rawValue) (from \($0))" } ?? version.action.rawValue
            rows.append([
                String(version.version), action, version.author, CLI.timestamp(version.createdAt), version.hash ?? "-",
            ])
        }
        CLI.printTable(rows)
    }
}

/// `templates diff`: a unified diff between two stored versions.
struct DiffTemplate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff", abstract: "Show the differences between two stored versions.")

    @OptionGroup var target: TemplateKeyOptions

    @Option(help: "The older version.")
    var from: Int

    @Option(help: "The newer version (default: the latest).")
    var to: Int?

    func run() async throws {
        let (_, key, store) = try target.open()
        let history = try await CLI.store { try await store.history(key) }
        let newer = to ?? history.last?.version ?? 0
        guard let old = history.first(where: { $0.version == from }),
            let new = history.first(where: { $0.version == newer })
        else {
            throw CLI.fail("error: \(key) has no version \(history.contains { $0.version == from } ? newer : from)")
        }
        FileHandle.standardOutput.write(Data(TemplateDiff.unified(old, new).utf8))
    }
}

/// `templates rollback`: stores a copy of an earlier version as the next version.
struct RollbackTemplate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback", abstract: "Restore an earlier version as a new version.")

    @OptionGroup var target: TemplateKeyOptions

    @Option(help: "The version to restore.")
    var to: Int

    @Option(help: "Author recorded with the version (default: $USER).")
    var author: String?

    @Option(name: .customLong("expected-version"), help: "Fail unless the latest stored version is this one.")
    var expectedVersion: Int?

    func run() async throws {
        let (_, key, store) = try target.open()
        let version = try await CLI.store {
            try await store.rollback(key, to: to, actor: CLI.actor(author), expectedVersion: expectedVersion)
        }
        print("\(key): stored version \(version.version) (restored version \(to))")
    }
}

/// `templates delete`: the stored template stops applying (a `gateway.conf` template for the key applies again).
struct DeleteTemplate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete a stored template (the gateway.conf one, if any, applies again).")

    @OptionGroup var target: TemplateKeyOptions

    @Option(help: "Author recorded with the deletion (default: $USER).")
    var author: String?

    @Option(name: .customLong("expected-version"), help: "Fail unless the latest stored version is this one.")
    var expectedVersion: Int?

    func run() async throws {
        let (_, key, store) = try target.open()
        let version = try await CLI.store {
            try await store.delete(key, actor: CLI.actor(author), expectedVersion: expectedVersion)
        }
        print("\(key): deleted (version \(version.version))")
    }
}

/// Helpers shared by the template commands.
enum CLI {
    /// Writes `message` and a newline to stderr; returns the exit code 1 to throw.
    static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
        return ExitCode(1)
    }

    /// The contents of `path` (`-`: standard input).
    static func read(_ path: String) throws -> String {
        if path == "-" {
            return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("\(path): cannot read the file") }
        return String(decoding: data, as: UTF8.self)
    }

    /// `K=V` arguments as a map (the value may contain `=`).
    static func pairs(_ arguments: [String], option: String) throws -> [String: String] {
        var map: [String: String] = [:]
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
                throw ValidationError("\(option) takes K=V, not \"\(argument)\"")
            }
            map[String(argument[..<equals])] = String(argument[argument.index(after: equals)...])
        }
        return map
    }

    /// Runs a store operation, turning its failure into a message and exit 1.
    static func store<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as TemplateStoreError {
            throw fail("error: \(error.description)")
        }
    }

    static func actor(_ author: String?) -> TemplateStore.Actor {
        let name = author ?? ProcessInfo.processInfo.environment["USER"] ?? "cli"
        return TemplateStore.Actor(author: name.isEmpty ? "cli" : name, origin: "cli")
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// Prints rows as left-aligned columns.
    static func printTable(_ rows: [[String]]) {
        guard let columns = rows.map(\.count).max() else { return }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        for row in rows {
            let cells = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            print(cells.joined(separator: "  "))
        }
    }
}
