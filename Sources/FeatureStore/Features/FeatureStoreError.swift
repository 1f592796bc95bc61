/// A failure of feature lookup, enrichment or loading; the message names the problem.
public enum FeatureStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No view of this name is configured.
    case unknownView(String)
    /// The request has no value for the view's entity key (the gateway answers 400 `ValidationError`).
    case missingEntityKey(view: String, key: String)
    /// The request's entity key cannot be read as the view's key type (the gateway answers 400 `ValidationError`).
    case invalidEntityKey(view: String, key: String, reason: String)
    /// The request body cannot be enriched as configured (the gateway answers 400 `ValidationError`).
    case invalidBody(String)
    /// Redis failed and the `on_error` policy had nothing to serve (the gateway answers 503).
    case redisUnavailable(view: String, entity: String, reason: RedisError)
    /// The configuration is inconsistent.
    case invalidConfiguration(String)
    /// A file to load or warm up from cannot be read or has no usable header.
    case invalidFile(path: String, reason: String)
    /// Writing loaded rows to Redis failed; rows before `line` that were reported written are stored.
    case writeFailed(path: String, line: Int, reason: RedisError)
    /// Reading from Redis failed (e.g. `features get`).
    case readFailed(key: String, reason: RedisError)

    /// Whether the request is at fault (HTTP 400) rather than the store (HTTP 503) or the configuration.
    public var isClientError: Bool {
        switch self {
        case .missingEntityKey, .invalidEntityKey, .invalidBody: true
        case .unknownView, .redisUnavailable, .invalidConfiguration, .invalidFile, .writeFailed, .readFailed: false
        }
    }

    public var description: String {
        switch self {
        case .unknownView(let view): "no feature view named '\(view)' is configured"
        case .missingEntityKey(let view, let key): "missing entity key \(key) for feature view '\(view)'"
        case .invalidEntityKey(let view, let key, let reason):
            "entity key \(key) for feature view '\(view)' \(reason)"
        case .invalidBody(let reason): "cannot enrich the request body: \(reason)"
        case .redisUnavailable(let view, let entity, let reason):
            "features of '\(view)' for entity '\(entity)' are unavailable: \(reason)"
        case .invalidConfiguration(let reason): "invalid feature store configuration: \(reason)"
        case .invalidFile(let path, let reason): "cannot load \(path): \(reason)"
        case .writeFailed(let path, let line, let reason):
            "writing rows of \(path) up to line \(line) to Redis failed (none of that batch was written): \(reason)"
        case .readFailed(let key, let reason): "reading \(key) from Redis failed: \(reason)"
        }
    }
}
