import HTTPTypes
import Foundation
import GatewayAuth
import Hummingbird
import Metrics
import NIOCore

extension HTTPField.Name {
    /// `x-api-key`, the API key header (as in API Gateway usage plans).
    static let apiKey = HTTPField.Name("x-api-key")!
}

extension InvocationPipeline {
    /// The authentication stage, before the body is read: checks an API key (and admits it under its rate limit and
    /// quota) or parses a SigV4 signature, which ``PendingAuthentication/complete(body:)`` verifies once the body
    /// is read. A request without the credentials its endpoint's `auth` requires is refused here.
    func authenticate(_ request: Request, endpoint: EndpointRuntime) async throws(GatewayError) -> PendingAuthentication {
        try await Self.authenticate(request, endpoint: endpoint.configuration, runtime: runtime)
    }

    /// The authentication stage for `endpoint` of `runtime`'s configuration (also used by async invocations).
    static func authenticate(
        _ request: Request, endpoint: EndpointConfiguration, runtime: GatewayRuntime
    ) async throws(GatewayError) -> PendingAuthentication {
        let mode = endpoint.auth
        guard mode != .none else { return PendingAuthentication(state: .open) }
        let headers = request.headers
        let (path, query) = rawTarget(request)
        let credentials = PresentedCredentials(
            xAPIKey: headers.value(.apiKey), authorization: headers.value(.authorization), query: query)
        let configuration = runtime.configuration.auth
        switch credentials {
        case .none:
            throw refuse(.missingAuthenticationToken, "Missing Authentication Token: endpoint \(endpoint.name) needs \(mode.credentialsDescription).")
        case .apiKey(let key):
            guard mode == .apiKey || mode == .any else {
                throw refuse(.missingAuthenticationToken, "Missing Authentication Token: endpoint \(endpoint.name) needs \(mode.credentialsDescription); API keys are not accepted.")
            }
            let keys = runtime.keys
            let authenticator = try keys.authenticator(configuration)
            do throws(AuthError) {
                let principal = try authenticator.authenticate(apiKey: key, endpoint: endpoint.name)
                try await keys.rateLimiter.admit(principal)
                return PendingAuthentication(state: .authenticated(principal))
            } catch {
                throw GatewayError(error)
            }
        case .sigV4:
            guard mode == .sigv4 || mode == .any else {
                throw refuse(.missingAuthenticationToken, "Missing Authentication Token: endpoint \(endpoint.name) needs \(mode.credentialsDescription); SigV4 signatures are not accepted.")
            }
            var fields: [(name: String, value: String)] = []
            fields.reserveCapacity(headers.count + 1)
            if let authority = request.head.authority { fields.append((name: "host", value: authority)) }
            for field in headers { fields.append((name: field.name.rawName, value: field.value)) }
            let signed = SigV4Request(
                method: request.method.rawValue, path: path, query: query, headers: fields, bodySHA256: "")
            return PendingAuthentication(
                state: .signature(signed, endpoint: endpoint.name, configuration: configuration, keys: runtime.keys))
        }
    }

    /// The path and query exactly as on the wire (still percent-encoded), as SigV4 signs them.
    static func rawTarget(_ request: Request) -> (path: String, query: String) {
        let target = request.head.path ?? "/"
        guard let question = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return (target, "") }
        return (String(target[..<question]), String(target[target.utf8.index(after: question)...]))
    }

    /// A refusal decided by the gateway itself (the endpoint does not accept the credentials presented), counted
    /// like the authenticator's own in `mlgateway_auth_failures_total{reason}`.
    private static func refuse(_ code: AuthError.Code, _ message: String) -> GatewayError {
        Counter(label: "mlgateway_auth_failures_total", dimensions: [("reason", code.rawValue)]).increment()
        return GatewayError(AuthError(code: code, message: message))
    }
}

/// What the authentication stage leaves for after the body is read.
struct PendingAuthentication: Sendable {
    enum State: Sendable {
        /// The endpoint needs no credentials.
        case open
        /// An API key, already checked and admitted.
        case authenticated(Principal)
        /// A SigV4 signature to verify over the body.
        case signature(SigV4Request, endpoint: String, configuration: AuthConfiguration, keys: KeyRegistry)
    }

    let state: State

    /// Verifies a pending signature over `body` and admits the key under its limits.
    ///
    /// - Returns: who the request is authenticated as, nil for an endpoint without authentication.
    func complete(body: ByteBuffer) async throws(GatewayError) -> Principal? {
        switch state {
        case .open:
            return nil
        case .authenticated(let principal):
            return principal
        case .signature(var request, let endpoint, let configuration, let keys):
            request.bodySHA256 = SigV4Request.sha256Hex(body.readableBytesView)
            let authenticator = try keys.authenticator(configuration)
            do throws(AuthError) {
                let principal = try authenticator.authenticateSigV4(
                    request: request, endpoint: endpoint, verifier: configuration.verifier)
                try await keys.rateLimiter.admit(principal)
                return principal
            } catch {
                throw GatewayError(error)
            }
        }
    }
}

extension AuthMode {
    /// The credentials the mode accepts, for messages.
    var credentialsDescription: String {
        switch self {
        case .none: "no credentials"
        case .apiKey: "an API key (x-api-key or Authorization: Bearer)"
        case .sigv4: "a SigV4 signature"
        case .any: "an API key (x-api-key or Authorization: Bearer) or a SigV4 signature"
        }
    }
}
