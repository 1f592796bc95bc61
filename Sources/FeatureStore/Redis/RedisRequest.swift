import NIOCore

/// Encoded commands written as one unit, answered by `replyCount` replies in order.
struct RedisRequest: Sendable {
    /// The RESP bytes of one or more commands.
    var bytes: ByteBuffer
    /// How many replies the commands produce.
    var replyCount: Int
    /// Completed with the replies, in command order.
    var promise: EventLoopPromise<[RESPValue]>
}
