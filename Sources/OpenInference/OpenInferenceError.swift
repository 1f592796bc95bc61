/// Why a message could not be converted between the protocol's gRPC and REST forms. The gRPC front answers it as
/// `INVALID_ARGUMENT` when the client's request is at fault, the REST front as 400; a model server's answer that does
/// not convert is the model's error (``Origin/modelServer``).
package struct OpenInferenceError: Error, Sendable, CustomStringConvertible {
    /// Whose message did not convert.
    package enum Origin: Sendable {
        /// The client's request.
        case request
        /// The model server's answer.
        case modelServer
    }

    package var origin: Origin
    package var message: String

    package init(_ origin: Origin, _ message: String) {
        self.origin = origin
        self.message = message
    }

    package var description: String { message }
}
