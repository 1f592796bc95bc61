import Foundation

extension AsyncConfiguration {
    /// Reads `[async]`; relative directories are resolved against the configuration file.
    package init(
        reading table: inout ConfigTable, stateDirectory: URL, objectStore: ObjectStoreConfiguration?
    ) throws(ConfigurationError) {
        self.init(stateDirectory: stateDirectory)
        let base = table.context.baseDirectory
        func directory(_ text: String) -> URL {
            (text.hasPrefix("/") ? URL(fileURLWithPath: text) : base.appendingPathComponent(text)).standardizedFileURL
        }
        if let text = try table.string("input_dir") { inputDirectory = directory(text) }
        if let text = try table.string("output_dir") {
            outputDirectory = directory(text)
            failureDirectory = outputDirectory.appendingPathComponent("failure")
        }
        if let text = try table.string("failure_dir") { failureDirectory = directory(text) }
        for key in ["output_location", "failure_location"] {
            guard let text = try table.string(key) else { continue }
            let location: S3Location?
            do {
                location = try S3Location(parsing: text, allowPrefix: true)
            } catch {
                throw table.error(key, error.message)
            }
            guard let location else { throw table.error(key, "must be an s3://bucket/prefix URI") }
            guard objectStore != nil else {
                throw table.error(key, "s3:// locations need an [object_store] table (its endpoint and region)")
            }
            if key == "output_location" { outputLocation = location } else { failureLocation = location }
        }
        if failureLocation == nil, let outputLocation { failureLocation = outputLocation.appending("failure/") }
        if let value = try table.int("workers", range: 1...1024) { workers = value }
        if let value = try table.int("max_attempts", range: 1...100) { maxAttempts = value }
        if let value = try table.duration("retry_delay") { retryDelay = value }
        if let value = try table.duration("request_ttl") {
            guard value > .zero, value <= .seconds(21600) else {
                throw table.error("request_ttl", "must be between 1s and 6h")
            }
            requestTTL = value
        }
        if let value = try table.duration("invocation_timeout") {
            guard value > .zero, value <= .seconds(3600) else {
                throw table.error("invocation_timeout", "must be between 1s and 1h")
            }
            invocationTimeout = value
        }
        if let value = try table.int("max_input_bytes", range: 1...(1024 * 1024 * 1024)) { maxInputBytes = value }
    }
}
