import Foundation
import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import Testing

@testable import Gateway
@testable import InvocationCore

/// The channel handlers of the client and admin listeners, each driven on NIO's `EmbeddedChannel` with no socket
/// and no server: what each does to the parts that flow through it, the answers it writes, and when it closes or
/// pauses the connection. Only what the channel shows is checked: these suites described the four handlers that
/// ``ClientConnectionHandler`` replaced, and hold unchanged in what they assert (issue 18).
@Suite("Channels")
enum Channels {}

/// Builders of `EmbeddedChannel`s with the listeners' handlers, and readers of what they write.
enum ChannelTestSupport {
    /// A connected (active) channel with `handlers`.
    static func channel(_ handlers: [any ChannelHandler]) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handlers: handlers)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000)).wait()
        return channel
    }

    /// A connection handler of the admin listener's kind (no invocations) with `timeouts`.
    static func connectionHandler(timeouts: ClientConnectionHandler.StateMachine.Timeouts = .init())
        -> ClientConnectionHandler
    {
        ClientConnectionHandler(invocations: nil, timeouts: timeouts)
    }

    /// A connected channel that reads and writes bytes as the listeners do: NIO's HTTP/1 request decoder and response
    /// encoder, `connection` (by default one serving no invocations), the HTTPTypes codec, then `handlers`.
    static func byteChannel(
        connection: ClientConnectionHandler = connectionHandler(), _ handlers: [any ChannelHandler]
    ) throws -> EmbeddedChannel {
        let codec: [any ChannelHandler] = [
            ByteToMessageHandler(HTTPRequestDecoder()), HTTPResponseEncoder(), connection,
            HTTP1ToHTTPServerCodec(secure: false),
        ]
        return try channel(codec + handlers)
    }

    /// Every byte written to the channel so far.
    static func outboundBytes(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
        return text
    }

    /// The HTTP/1 answers written to the channel so far, whole or not.
    static func answers(_ channel: EmbeddedChannel) throws -> [WrittenAnswer] {
        var answers: [WrittenAnswer] = []
        while let part = try channel.readOutbound(as: HTTPServerResponsePart.self) {
            switch part {
            case .head(let head): answers.append(WrittenAnswer(version: head.version, head: try HTTPResponse(head)))
            case .body(.byteBuffer(let body)):
                guard !answers.isEmpty else {
                    Issue.record("a body part without a head")
                    continue
                }
                answers[answers.count - 1].body += String(buffer: body)
            case .body: Issue.record("a file region")
            case .end:
                guard !answers.isEmpty else {
                    Issue.record("an end without a head")
                    continue
                }
                answers[answers.count - 1].ended = true
            }
        }
        return answers
    }

    /// A request head as NIO's HTTP/1 decoder passes it on.
    static func request(
        _ method: HTTPMethod, _ uri: String, _ headers: HTTPHeaders = [:], version: HTTPVersion = .http1_1
    ) -> HTTPRequestHead {
        var headers = headers
        if !headers.contains(name: "host") { headers.add(name: "Host", value: "gateway") }
        return HTTPRequestHead(version: version, method: method, uri: uri, headers: headers)
    }

    /// Feeds a whole request as NIO's HTTP/1 parts.
    static func send(
        _ channel: EmbeddedChannel, _ method: HTTPMethod, _ uri: String, body: String = "",
        headers: HTTPHeaders = [:], version: HTTPVersion = .http1_1
    ) throws {
        var headers = headers
        if !headers.contains(name: "content-length"), method == .POST {
            headers.add(name: "Content-Length", value: String(body.utf8.count))
        }
        try channel.writeInbound(HTTPServerRequestPart.head(request(method, uri, headers, version: version)))
        if !body.isEmpty { try channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: body))) }
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
    }

    /// Writes a whole answer from the router's side of the pipeline (the channel's tail).
    static func answerFromRouter(_ channel: EmbeddedChannel, _ status: HTTPResponse.Status = .ok, body: String = "")
        throws
    {
        var fields = HTTPFields()
        fields[.contentLength] = String(body.utf8.count)
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: status, headerFields: fields)))
        if !body.isEmpty { try channel.writeOutbound(HTTPResponsePart.body(ByteBuffer(string: body))) }
        try channel.writeOutbound(HTTPResponsePart.end(nil))
    }
}

/// One answer read back from a channel.
struct WrittenAnswer {
    var version: HTTPVersion
    var head: HTTPResponse
    var body = ""
    var ended = false

    /// The `message` of an AWS-style error body.
    var message: String? {
        guard let range = body.range(of: "\"message\":\"") else { return nil }
        let rest = body[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}

/// One HTTP/1.x answer parsed from bytes: its status line, headers and `Content-Length` body.
struct RawAnswer {
    var statusLine: String
    var headers: [(name: String, value: String)]
    var body: String

    /// The values of header `name` (any case).
    func values(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    /// Splits `text` into the answers it holds, in order; interim (1xx) answers have no body.
    static func parse(_ text: String) -> [RawAnswer] {
        var answers: [RawAnswer] = []
        var rest = Substring(text)
        while let end = rest.range(of: "\r\n\r\n") {
            let lines = rest[..<end.lowerBound].components(separatedBy: "\r\n")
            rest = rest[end.upperBound...]
            let headers = lines.dropFirst().map { line -> (String, String) in
                let colon = line.firstIndex(of: ":") ?? line.endIndex
                let value = colon < line.endIndex ? line[line.index(after: colon)...] : ""
                return (String(line[..<colon]), value.trimmingCharacters(in: .whitespaces))
            }
            var answer = RawAnswer(statusLine: lines[0], headers: headers, body: "")
            let length = answer.values("content-length").first.flatMap { Int($0) } ?? 0
            let body = rest.prefix(length)
            answer.body = String(body)
            rest = rest[body.endIndex...]
            answers.append(answer)
        }
        return answers
    }
}

/// Records the request parts and errors that reach the router's side of the pipeline, and keeps them from going
/// further.
final class RouterRecorder: ChannelInboundHandler {
    typealias InboundIn = HTTPRequestPart

    private(set) var events: [String] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): events.append("head \(head.method) \(head.path ?? "")")
        case .body(let body): events.append("body \(String(buffer: body))")
        case .end: events.append("end")
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        events.append("error \(error)")
    }
}

/// Counts the reads from the socket that reach it, placed before the handler under test.
final class ReadCounter: ChannelOutboundHandler {
    typealias OutboundIn = Any

    private(set) var reads = 0

    func read(context: ChannelHandlerContext) {
        reads += 1
        context.read()
    }
}

/// An error that is not a parse error, as a socket would report one.
struct ConnectionReset: Error {}
