import GatewayAuth
import HTTPTypes

extension GatewayError {
    /// The AWS error answer for a failed authentication or admission: its status and code as `x-amzn-ErrorType`,
    /// and `Retry-After` when throttled.
    package init(_ error: AuthError) {
        var headers = HTTPFields()
        if let retryAfter = error.retryAfter { headers[.retryAfter] = String(retryAfter) }
        self.init(
            code: Code(error.code), status: HTTPResponse.Status(code: error.httpStatus), message: error.message,
            headers: headers)
    }
}

extension GatewayError.Code {
    /// The code of an authentication or admission failure.
    init(_ code: AuthError.Code) {
        switch code {
        case .missingAuthenticationToken: self = .missingAuthenticationToken
        case .unrecognizedClient: self = .unrecognizedClient
        case .invalidSignature: self = .invalidSignature
        case .incompleteSignature: self = .incompleteSignature
        case .accessDenied: self = .accessDenied
        case .throttling: self = .throttling
        case .internalFailure: self = .internalFailure
        case .serviceUnavailable: self = .serviceUnavailable
        }
    }
}
