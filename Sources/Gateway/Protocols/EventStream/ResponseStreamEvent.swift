import InvocationCore
import NIOCore
import WireFormats

/// The events of SageMaker's `InvokeEndpointWithResponseStream` answer (the `ResponseStream` event stream).
///
/// `PayloadPart` carries model bytes as the raw event payload (its `Bytes` member is the event payload blob).
/// The two errors are exception messages (`:message-type` = `exception`) with a JSON payload, which botocore raises
/// as `EventStreamError` with the exception type as the error code.
public enum ResponseStreamEvent: Sendable, Equatable {
    /// A piece of the model's answer.
    case payloadPart(ByteBuffer)
    /// The model failed mid-stream; `code` is `ModelInvocationTimeExceeded` or `StreamBroken`.
    case modelStreamError(code: String, message: String)
    /// The gateway failed mid-stream.
    case internalStreamFailure(message: String)

    /// `ModelStreamError` code when the model took longer than the invocation timeout.
    public static let timeExceeded = "ModelInvocationTimeExceeded"
    /// `ModelStreamError` code when the connection to the model broke.
    public static let streamBroken = "StreamBroken"

    private static let payloadPartHeaders: [EventStreamMessage.Header] = [
        .init(":event-type", "PayloadPart"),
        .init(":content-type", "application/octet-stream"),
        .init(":message-type", "event"),
    ]

    /// The event as an event-stream message.
    public var message: EventStreamMessage {
        switch self {
        case .payloadPart(let bytes):
            return EventStreamMessage(headers: Self.payloadPartHeaders, payload: bytes)
        case .modelStreamError(let code, let message):
            return Self.exception(
                "ModelStreamError",
                json: "{\"ErrorCode\":\(JSONText.quoted(code)),\"Message\":\(JSONText.quoted(message))}")
        case .internalStreamFailure(let message):
            return Self.exception("InternalStreamFailure", json: "{\"Message\":\(JSONText.quoted(message))}")
        }
    }

    private static func exception(_ type: String, json: String) -> EventStreamMessage {
        EventStreamMessage(
            headers: [
                .init(":exception-type", type), .init(":content-type", "application/json"),
                .init(":message-type", "exception"),
            ],
            payload: ByteBuffer(string: json))
    }
}
