import Logging
import NIOCore
import NIOPosix

/// One TCP connection to Redis with pipelined commands.
final class RedisConnection: Sendable {
    /// The channel carrying the connection.
    let channel: Channel

    private init(channel: Channel) {
        self.channel = channel
    }

    /// Connects to `url`, then authenticates (`AUTH`) and selects the database (`SELECT`) as the URL says.
    static func connect(
        to url: RedisURL, group: EventLoopGroup, connectTimeout: TimeAmount, commandTimeout: TimeAmount
    ) async throws(RedisError) -> RedisConnection {
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RedisChannelHandler(commandTimeout: commandTimeout))
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: url.host, port: url.port).get()
        } catch ChannelError.connectTimeout {
            throw RedisError.connectTimeout(host: url.host, port: url.port)
        } catch {
            throw RedisError.connectFailed(host: url.host, port: url.port, reason: "\(error)")
        }
        let connection = RedisConnection(channel: channel)
        do {
            if let password = url.password {
                let auth = url.username.map { ["AUTH", $0, password] } ?? ["AUTH", password]
                _ = try await connection.send(auth).throwingServerError()
            }
            if url.database != 0 {
                _ = try await connection.send(["SELECT", String(url.database)]).throwingServerError()
            }
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    /// Sends one command and returns its reply (error replies are returned, not thrown).
    func send(_ arguments: [String]) async throws(RedisError) -> RESPValue {
        let replies = try await send(RESPEncoder.encode(arguments), replyCount: 1)
        return replies.first ?? .null
    }

    /// Writes already-encoded commands in one write and returns their `replyCount` replies in order.
    func send(_ bytes: ByteBuffer, replyCount: Int) async throws(RedisError) -> [RESPValue] {
        let promise = channel.eventLoop.makePromise(of: [RESPValue].self)
        // If the channel is already closed the handler never sees the request: fail it with the write.
        channel.writeAndFlush(RedisRequest(bytes: bytes, replyCount: replyCount, promise: promise)).whenFailure {
            promise.fail(RedisError.connectionError("\($0)"))
        }
        do {
            return try await promise.futureResult.get()
        } catch let error as RedisError {
            throw error
        } catch {
            throw RedisError.connectionError("\(error)")
        }
    }

    /// Completes when the connection has closed.
    var closeFuture: EventLoopFuture<Void> { channel.closeFuture }

    /// Closes the connection; pending commands fail with ``RedisError/connectionClosed``.
    func close() {
        channel.close(promise: nil)
    }
}
