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
        try readLayout(&table)
    }

    /// `layout` and, for Feast, `project`, `entity_key_serialization_version` and `feast_repo`.
    private mutating func readLayout(_ table: inout ConfigTable) throws(ConfigurationError) {
        let feastKeys = ["project", "entity_key_serialization_version", "feast_repo"]
        switch try table.string("layout") ?? "native" {
        case "native":
            if let key = feastKeys.first(where: table.contains) {
                throw table.error(key, "applies to layout = \"feast\" only")
            }
        case "feast":
            if table.contains("key_prefix") {
                throw table.error("key_prefix", "applies to the native layout only; Feast's keys have no prefix")
            }
            if let directory = try table.string("feast_repo") {
                do {
                    feastRepository = try FeastRepository(directory: table.context.url(forPath: directory).path)
                } catch {
                    throw table.error("feast_repo", error.description)
                }
            }
            guard let project = try table.string("project") ?? feastRepository?.project, !project.isEmpty else {
                throw table.error("project", "is required with layout = \"feast\" (or a feast_repo that sets it)")
            }
            let version =
                try table.int("entity_key_serialization_version", range: 2...3)
                ?? feastRepository?.entityKeySerializationVersion ?? 3
            guard (2...3).contains(version) else {
                throw table.error("feast_repo", "entity_key_serialization_version \(version) is not supported (2 or 3)")
            }
            layout = .feast(project: project, entityKeySerializationVersion: version)
        case let other:
            throw table.error("layout", "must be \"native\" or \"feast\", not \"\(other)\"")
        }
    }
}

extension FeatureViewConfiguration {
    /// Reads one `[[feature_view]]`; relative `warmup.keys_file` paths are resolved against the config file.
    package init(reading table: inout ConfigTable, store: FeatureStoreConfiguration?) throws(ConfigurationError) {
        let name = try table.requiredString("name")
        if case .feast = store?.layout {
            try self.init(readingFeast: &table, name: name, repository: store?.feastRepository)
        } else {
            for key in ["join_keys", "join_key_types"] where table.contains(key) {
                throw table.error(key, "applies to layout = \"feast\"; the native layout names them entity_keys")
            }
            guard let features = try table.stringArray("features"), !features.isEmpty else {
                throw table.error("features", "must list at least one feature")
            }
            self.init(name: name, features: features, entityKeys: try table.stringArray("entity_keys"))
        }
        try readSettings(&table)
    }

    /// A view of the Feast registry that no `[[feature_view]]` table names, served with the default settings.
    package init(feast view: FeastRepository.View) {
        self.init(name: view.name, features: view.features, entityKeys: view.joinKeys)
        entityKeyTypes = view.joinKeyTypes
    }

    /// The Feast view `name`: its features and join keys from the table, else from the registry.
    private init(
        readingFeast table: inout ConfigTable, name: String, repository: FeastRepository?
    ) throws(ConfigurationError) {
        if table.contains("entity_keys") {
            throw table.error("entity_keys", "is named join_keys with layout = \"feast\", as Feast names them")
        }
        let registered = repository?.view(named: name)
        if let repository, registered == nil {
            throw table.error(
                "name",
                "the Feast registry \(repository.registryPath) has no feature view named \"\(name)\" (it has: "
                    + repository.views.map(\.name).joined(separator: ", ") + ")")
        }
        if let reason = registered?.unsupported {
            throw table.error("name", "Feast feature view \"\(name)\" cannot be read: \(reason)")
        }
        guard let features = try table.stringArray("features") ?? registered?.features, !features.isEmpty else {
            throw table.error("features", "must list at least one feature (or give feast_repo to read them)")
        }
        if let registered, let unknown = features.first(where: { !registered.features.contains($0) }) {
            throw table.error("features", "Feast feature view \"\(name)\" has no feature \"\(unknown)\"")
        }
        guard let joinKeys = try table.stringArray("join_keys") ?? registered?.joinKeys, !joinKeys.isEmpty else {
            throw table.error("join_keys", "must name the view's join keys (or give feast_repo to read them)")
        }
        self.init(name: name, features: features, entityKeys: joinKeys)
        let given = try table.stringMap("join_key_types") ?? [:]
        for key in given.keys.sorted() where !joinKeys.contains(key) {
            throw table.error("join_key_types", "names \"\(key)\", which is not one of join_keys")
        }
        entityKeyTypes = try joinKeys.map { key throws(ConfigurationError) in
            if let text = given[key] {
                guard let type = FeastKeyType(rawValue: text) else {
                    throw table.error(
                        "join_key_types",
                        "\(key) = \"\(text)\" is not one of "
                            + FeastKeyType.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
                }
                return type
            }
            guard let registered, let index = registered.joinKeys.firstIndex(of: key) else { return .string }
            return registered.joinKeyTypes[index]
        }
    }

    /// The settings both layouts share.
    private mutating func readSettings(_ table: inout ConfigTable) throws(ConfigurationError) {
        if let ttl = try table.duration("cache_ttl") { cacheTTL = ttl }
        maxAge = try table.duration("max_age")
        defaults = try table.stringMap("defaults") ?? [:]
        if var warmupTable = try table.table("warmup") {
            let deadline = try warmupTable.duration("deadline") ?? .seconds(30)
            let keysFile = try warmupTable.string("keys_file")
            let scanLimit = try warmupTable.int("scan_limit", range: 0...100_000_000)
            switch (keysFile, scanLimit) {
            case (let file?, nil):
                warmup = Warmup(source: .keysFile(warmupTable.context.url(forPath: file).path), deadline: deadline)
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
