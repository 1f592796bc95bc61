import GatewayAuth
import HTTPTypes

package extension GatewayError {
    /// The AWS error answer for a failed authentication or admission: its status and code as `x-amzn-ErrorType`,
    /// and `Retry-After` when throttled.
    package init(_ error: AuthError) {
        var headers = HTTPFields()
        if let retryAfter = error.retryAfter { headers[.retryAfter] = String(retryAfter) }
        self.init(
            code: error.code.rawValue, status: HTTPResponse.Status(code: error.httpStatus), message: error.message,
            headers: headers)
    }
}
