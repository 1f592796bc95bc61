/// The stored features of one entity in one view, as read from Redis (before defaults and freshness rules).
public struct FeatureRecord: Sendable, Hashable {
    /// The hash field holding the event time in Unix milliseconds.
    public static let timestampField = "_ts"

    /// Values in the view's feature order; `nil` where the field is absent.
    public var values: [String?]
    /// The event time in Unix milliseconds (`_ts`, or Feast's `_ts:<view>`), if present and readable.
    public var timestamp: Int64?
    /// The values' kinds in the same order, when the layout stores typed values (Feast); nil for text.
    public var kinds: [FeatureValueKind]?

    /// Creates a record.
    public init(values: [String?], timestamp: Int64?, kinds: [FeatureValueKind]? = nil) {
        self.values = values
        self.timestamp = timestamp
        self.kinds = kinds
    }

    /// Whether Redis had any field for the entity.
    public var exists: Bool { timestamp != nil || values.contains { $0 != nil } }

    /// Decodes the reply to `HMGET key f1 … fn _ts`.
    init(hmgetReply reply: RESPValue, featureCount: Int) throws(RedisError) {
        guard let elements = try reply.throwingServerError().array, elements.count == featureCount + 1 else {
            throw RedisError.unexpectedReply(command: "HMGET", reply: "\(reply)")
        }
        values = elements.prefix(featureCount).map(\.string)
        timestamp = elements[featureCount].int
    }

    /// Decodes the reply to an `HMGET` of a Feast entity's feature fields and `_ts:<view>`.
    init(feastReply reply: RESPValue, featureCount: Int) throws(RedisError) {
        guard let elements = try reply.throwingServerError().array, elements.count == featureCount + 1 else {
            throw RedisError.unexpectedReply(command: "HMGET", reply: "\(reply)")
        }
        var values: [String?] = []
        var kinds: [FeatureValueKind] = []
        values.reserveCapacity(featureCount)
        kinds.reserveCapacity(featureCount)
        for element in elements.prefix(featureCount) {
            let decoded = element.bytes.flatMap(FeastValue.decode)
            values.append(decoded?.text)
            kinds.append(decoded?.kind ?? .text)
        }
        self.init(values: values, timestamp: elements[featureCount].bytes.flatMap(FeastValue.eventTime), kinds: kinds)
    }
}
