import DataCapture
import Foundation

extension CaptureConfiguration {
    /// The values of the `capture` key: which sides of an invocation are written.
    package static let captureOptions = ["input", "output"]

    /// The largest `max_file_bytes` accepted (1 TiB).
    package static let maxFileBytesLimit = 1 << 40

    /// Reads the `[endpoint.capture]` table of an endpoint table, or nil when there is none: the capture settings and
    /// where closed files are uploaded (`upload`, an `s3://bucket/prefix`).
    ///
    /// A relative `destination` is resolved against the configuration file's directory; without one, records go to
    /// `state_dir/capture`.
    package static func read(fromTableIn table: inout ConfigTable, stateDirectory: URL) throws(ConfigurationError)
        -> (capture: CaptureConfiguration, upload: S3Location?)?
    {
        guard var capture = try table.table("capture") else { return nil }
        var upload: S3Location?
        if let text = try capture.string("upload") {
            do {
                upload = try S3Location(parsing: text, allowPrefix: true)
            } catch {
                throw capture.error("upload", error.message)
            }
            guard upload != nil else { throw capture.error("upload", "must be an s3://bucket/prefix URI") }
        }
        let enabled = try capture.bool("enabled") ?? true
        let percentage = try capture.double("sampling_percentage", range: 0...100) ?? 100
        var destination = stateDirectory.appendingPathComponent("capture")
        if let path = try capture.string("destination") {
            guard !path.isEmpty else { throw capture.error("destination", "must not be empty") }
            destination = capture.context.url(forPath: path)
        }
        let sides = try capture.stringArray("capture") ?? captureOptions
        if let unknown = sides.first(where: { !captureOptions.contains($0) }) {
            throw capture.error("capture", "must list \"input\", \"output\" or both, not \"\(unknown)\"")
        }
        guard !sides.isEmpty else { throw capture.error("capture", "must list \"input\", \"output\" or both") }
        let csv = try contentTypes(&capture, "csv_content_types") ?? ["text/csv"]
        let json = try contentTypes(&capture, "json_content_types") ?? ["application/json"]
        let maxFileBytes = try capture.int("max_file_bytes", range: 1...maxFileBytesLimit) ?? 64 * 1024 * 1024
        try capture.finish()
        do {
            let configuration = try CaptureConfiguration(
                enabled: enabled, samplingPercentage: percentage, destination: destination,
                captureInput: sides.contains("input"), captureOutput: sides.contains("output"), csvContentTypes: csv,
                jsonContentTypes: json, maxFileBytes: maxFileBytes)
            return (configuration, upload)
        } catch {
            throw capture.error(nil, error.message)
        }
    }

    private static func contentTypes(_ table: inout ConfigTable, _ key: String) throws(ConfigurationError) -> [String]?
    {
        guard let types = try table.stringArray(key) else { return nil }
        if types.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw table.error(key, "must not contain an empty content type")
        }
        return types
    }
}
