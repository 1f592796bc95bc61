import Foundation

/// What mlgateway reads from a Feast feature repository (`feast_repo`): the project, the entity key serialization
/// version and the registry's feature views with their join keys, key types and features, so that none of them is
/// declared a second time in the gateway's configuration.
///
/// `feature_store.yaml` is read for its top-level `project`, `entity_key_serialization_version` and `registry`
/// (a path, or a block with `path` and `registry_type`). Only a local file registry can be read (what
/// `feast apply` writes by default, `data/registry.db`); a registry in S3, GCS or SQL is refused.
public struct FeastRepository: Sendable {
    /// One feature view of the registry.
    public struct View: Sendable, Hashable {
        public var name: String
        public var features: [String]
        public var joinKeys: [String]
        public var joinKeyTypes: [FeastKeyType]
        /// Why the gateway cannot read this view (an entity key type Feast cannot serialize), if so.
        public var unsupported: String?
    }

    /// The repository directory.
    public let directory: String
    /// `project` of `feature_store.yaml`.
    public let project: String?
    /// `entity_key_serialization_version` of `feature_store.yaml`, if set.
    public let entityKeySerializationVersion: Int?
    /// The registry file read.
    public let registryPath: String
    /// The project's feature views in registry order.
    public let views: [View]

    /// Reads `directory/feature_store.yaml` and the registry it names.
    public init(directory: String) throws(FeatureStoreError) {
        self.directory = directory
        let yamlPath = URL(fileURLWithPath: directory).appendingPathComponent("feature_store.yaml").path
        let settings = try Self.readSettings(path: yamlPath)
        project = settings.scalars["project"]
        if let text = settings.scalars["entity_key_serialization_version"] {
            guard let version = Int(text) else {
                throw .invalidFile(path: yamlPath, reason: "entity_key_serialization_version must be an integer")
            }
            entityKeySerializationVersion = version
        } else {
            entityKeySerializationVersion = nil
        }
        if let type = settings.registry["registry_type"], type != "file" {
            throw .invalidFile(
                path: yamlPath, reason: "registry_type '\(type)' is not supported; mlgateway reads a file registry")
        }
        let path = settings.scalars["registry"] ?? settings.registry["path"] ?? "data/registry.db"
        if path.contains("://"), !path.hasPrefix("file://") {
            throw .invalidFile(
                path: yamlPath, reason: "registry '\(path)' is not a local file; mlgateway reads a file registry")
        }
        let local = path.hasPrefix("file://") ? String(path.dropFirst("file://".count)) : path
        registryPath = local.hasPrefix("/") ? local : URL(fileURLWithPath: directory).appendingPathComponent(local).path
        views = try Self.readViews(registryPath: registryPath, project: project)
    }

    /// The view named `name`, if the registry has it.
    public func view(named name: String) -> View? {
        views.first { $0.name == name }
    }

    private struct Settings {
        var scalars: [String: String] = [:]
        var registry: [String: String] = [:]
    }

    /// Top-level scalars and the `registry` block's scalars of `feature_store.yaml`.
    private static func readSettings(path: String) throws(FeatureStoreError) -> Settings {
        guard FileManager.default.fileExists(atPath: path) else {
            throw .invalidFile(path: path, reason: "no such file (is feast_repo a Feast feature repository?)")
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .invalidFile(path: path, reason: "\(error.localizedDescription)")
        }
        var settings = Settings()
        var block: String?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty,
                let colon = line.firstIndex(of: ":")
            else { continue }
            let indented = line.first == " " || line.first == "\t"
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = unquoted(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            if !indented {
                block = value.isEmpty ? key : nil
                if !value.isEmpty { settings.scalars[key] = value }
            } else if block == "registry", !value.isEmpty {
                settings.registry[key] = value
            }
        }
        return settings
    }

    private static func unquoted(_ text: String) -> String {
        guard text.count >= 2, let first = text.first, first == "\"" || first == "'", text.last == first else {
            return text
        }
        return String(text.dropFirst().dropLast())
    }

    private static func readViews(registryPath: String, project: String?) throws(FeatureStoreError) -> [View] {
        let registry: Feast_Core_Registry
        do {
            registry = try Feast_Core_Registry(
                serializedBytes: Array(Data(contentsOf: URL(fileURLWithPath: registryPath))))
        } catch {
            throw .invalidFile(
                path: registryPath, reason: "not a readable Feast registry (run `feast apply` first): \(error)")
        }
        let entities = registry.entities.map(\.spec).filter { project == nil || $0.project == project }
        return registry.featureViews.map(\.spec).filter { project == nil || $0.project == project }.map { spec in
            var keys: [(String, Feast_Types_ValueType.Enum)] = spec.entityColumns.map { ($0.name, $0.valueType) }
            if keys.isEmpty {
                keys = spec.entities.compactMap { name in
                    entities.first { $0.name == name }.map { ($0.joinKey, $0.valueType) }
                }
            }
            let types = keys.map { FeastKeyType($0.1) }
            var unsupported: String?
            if keys.isEmpty {
                unsupported = "it has no entity"
            } else if let index = types.firstIndex(of: nil) {
                unsupported = "join key '\(keys[index].0)' has type \(keys[index].1), which Feast cannot serialize"
            }
            return View(
                name: spec.name, features: spec.features.map(\.name), joinKeys: keys.map(\.0),
                joinKeyTypes: types.map { $0 ?? .string }, unsupported: unsupported)
        }
    }
}
