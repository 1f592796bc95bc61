import FeatureStore
import Foundation

extension FeatureStoreConfiguration {
    /// Reads `[feature_store]`.
    package init(reading table: inout ConfigTable) throws(ConfigurationError) {
        let text = try table.requiredString("redis")
        let url: RedisURL
        do {
            url = try RedisURL(parsing: text)
        } catch {
            throw table.error("redis", error.description)
        }
        self.init(redis: url)
        if let prefix = try table.string("key_prefix") {
            guard !prefix.isEmpty, !prefix.contains(":") else {
                throw table.error("key_prefix", "must be non-empty and contain no ':'")
            }
            keyPrefix = prefix
        }
        if let entries = try table.int("cache_entries", range: 0...100_000_000) { cacheEntries = entries }
        if let policy = try table.string("on_error") {
            guard let parsed = OnError(rawValue: policy) else {
                throw table.error(
                    "on_error",
                    "must be one of \(OnError.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
            }
            onError = parsed
        }
        if let staleness = try table.duration("max_staleness") { maxStaleness = staleness }
        if let size = try table.int("pool_size", range: 1...64) { poolSize = size }
        if let timeout = try table.duration("connect_timeout") { connectTimeout = timeout }
        if let timeout = try table.duration("command_timeout") { commandTimeout = timeout }
        if let budget = try table.positiveDuration("lookup_budget") { lookupBudget = budget }
    }
}

extension FeatureViewConfiguration {
    /// Reads one `[[feature_view]]`; relative `warmup.keys_file` paths are resolved against the config file.
    package init(reading table: inout ConfigTable) throws(ConfigurationError) {
        let name = try table.requiredString("name")
        guard let features = try table.stringArray("features"), !features.isEmpty else {
            throw table.error("features", "must list at least one feature")
        }
        self.init(name: name, features: features, entityKeys: try table.stringArray("entity_keys"))
        if let ttl = try table.duration("cache_ttl") { cacheTTL = ttl }
        maxAge = try table.duration("max_age")
        defaults = try table.stringMap("defaults") ?? [:]
        if var warmupTable = try table.table("warmup") {
            let deadline = try warmupTable.duration("deadline") ?? .seconds(30)
            let keysFile = try warmupTable.string("keys_file")
            let scanLimit = try warmupTable.int("scan_limit", range: 0...100_000_000)
            switch (keysFile, scanLimit) {
            case (let file?, nil):
                let path =
                    file.hasPrefix("/") ? file : warmupTable.context.baseDirectory.appendingPathComponent(file).path
                warmup = Warmup(source: .keysFile(path), deadline: deadline)
            case (nil, let limit?):
                warmup = Warmup(source: .scan(limit: limit), deadline: deadline)
            default:
                throw warmupTable.error(nil, "needs exactly one of keys_file or scan_limit")
            }
            try warmupTable.finish()
        }
        do {
            try validate()
        } catch {
            throw table.error(nil, error.description)
        }
    }
}

/// One `[[endpoint.enrich]]`: which view to read and where the entity key comes from.
public struct EnrichmentConfiguration: Sendable {
    /// The rule, validated.
    public let rule: EnrichmentRule
    /// Where it is written, for errors found later (an unknown view).
    package let keyPath: String
    package let line: Int?

    package init(reading table: inout ConfigTable) throws(ConfigurationError) {
        let view = try table.requiredString("view")
        let keys: [String]
        let value = table.value("key")
        if let single = value?.string {
            keys = [single]
        } else if let array = value?.array, array.count > 0, array.allSatisfy({ $0.string != nil }) {
            keys = array.compactMap(\.string)
        } else {
            throw table.error(
                "key",
                "is required: a JSONPath (\"$.user_id\"), \"header:X-Name\", \"query:name\", \"csv:0\", or an array of them for a composite key"
            )
        }
        let into = try table.string("into")
        do {
            rule = try EnrichmentRule(view: view, keys: keys, into: into)
        } catch {
            throw table.error(nil, error.description)
        }
        keyPath = table.path
        line = table.context.sourceMap.line(of: table.path)
    }
}
