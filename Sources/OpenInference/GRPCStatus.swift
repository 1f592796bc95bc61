import GRPCCore

/// The one mapping between HTTP statuses and gRPC status codes, both ways, as the gRPC–HTTP mapping of
/// grpc-gateway and KServe have it: the gRPC front answers a gateway error with the code of its HTTP status, and a
/// gRPC model server's status becomes the HTTP status the REST side reports (`OriginalStatusCode`).
package enum GRPCStatus {
    /// The gRPC code of an HTTP status.
    package static func code(forHTTPStatus status: Int) -> RPCError.Code {
        switch status {
        case 400, 415: .invalidArgument
        case 401: .unauthenticated
        case 403: .permissionDenied
        case 404: .notFound
        case 408, 504: .deadlineExceeded
        case 409: .aborted
        case 413, 429: .resourceExhausted
        case 501: .unimplemented
        case 503: .unavailable
        case 400..<500: .failedPrecondition
        default: .internalError
        }
    }

    /// The HTTP status of a gRPC code.
    package static func httpStatus(of code: RPCError.Code) -> Int {
        switch code {
        case .invalidArgument, .outOfRange, .failedPrecondition: 400
        case .unauthenticated: 401
        case .permissionDenied: 403
        case .notFound: 404
        case .alreadyExists, .aborted: 409
        case .resourceExhausted: 429
        case .cancelled: 499
        case .unimplemented: 501
        case .unavailable: 503
        case .deadlineExceeded: 504
        default: 500
        }
    }
}
