/// How one view's records are read in the store's layout (``FeatureStoreConfiguration/Layout``): the Redis key of
/// an entity, the hash fields asked for, and the decoding of the `HMGET` reply. Built once per view, so a read
/// only serializes the entity.
struct ViewReader: Sendable {
    private enum Keys: Sendable {
        /// `{key_prefix}:{view}:` before the entity.
        case native(prefix: [UInt8])
        case feast(FeastEntityKey)
    }

    private let keys: Keys
    /// The hash fields of the features in view order, then the event time's field.
    private let fields: [[UInt8]]
    private let view: FeatureViewConfiguration

    init(store: FeatureStoreConfiguration, view: FeatureViewConfiguration) {
        self.view = view
        switch store.layout {
        case .native:
            keys = .native(prefix: Array(store.key(view: view.name, entity: "").utf8))
            fields = (view.features + [FeatureRecord.timestampField]).map { Array($0.utf8) }
        case .feast(let project, let version):
            keys = .feast(
                FeastEntityKey(
                    joinKeys: view.entityKeys, types: view.entityKeyTypes, version: version, project: project))
            fields =
                view.features.map { MurmurHash3.feastField(view: view.name, feature: $0) } + [
                    Array("_ts:\(view.name)".utf8)
                ]
        }
    }

    /// Whether the layout is Feast's.
    var isFeast: Bool {
        if case .feast = keys { return true }
        return false
    }

    /// The Redis key of `entity` (composite parts joined with `|`).
    func key(entity: String) throws(FeatureStoreError) -> [UInt8] {
        switch keys {
        case .native(let prefix):
            return prefix + Array(entity.utf8)
        case .feast(let key):
            let parts =
                view.entityKeys.count == 1
                ? [entity[...]] : entity.split(separator: "|", omittingEmptySubsequences: false)
            guard parts.count == view.entityKeys.count else {
                throw .invalidEntityKey(
                    view: view.name, key: view.entityKeys.joined(separator: ", "),
                    reason: "needs \(view.entityKeys.count) parts joined by '|', got \(parts.count)")
            }
            do {
                return try key.redisKey(parts: parts)
            } catch {
                throw .invalidEntityKey(
                    view: view.name, key: view.entityKeys[error.position],
                    reason: "must be an integer of type \(error.type.rawValue), got '\(parts[error.position])'")
            }
        }
    }

    /// The `HMGET` of `key`'s feature fields and event time.
    func command(key: [UInt8]) -> [[UInt8]] {
        var command: [[UInt8]] = [Array("HMGET".utf8), key]
        command.reserveCapacity(fields.count + 2)
        command.append(contentsOf: fields)
        return command
    }

    /// Decodes the reply to ``command(key:)``.
    func record(_ reply: RESPValue) throws(RedisError) -> FeatureRecord {
        switch keys {
        case .native: try FeatureRecord(hmgetReply: reply, featureCount: view.features.count)
        case .feast: try FeatureRecord(feastReply: reply, featureCount: view.features.count)
        }
    }
}
