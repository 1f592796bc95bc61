import Foundation
import GatewayAuth
import HTTPTypes
import Metrics
import NIOCore

extension HTTPField.Name {
    /// `x-api-key`, the API key header (as in API Gateway usage plans).
    package static let apiKey = HTTPField.Name("x-api-key")!
}

extension InvocationPipeline {
    /// The authentication stage, before the body is read, when it can finish at once: checks an API key and admits
    /// it under its rate limit and quota, or parses a SigV4 signature, which ``PendingAuthentication/complete(body:)``
    /// verifies once the body is read. A request without the credentials its endpoint's `auth` requires is refused
    /// here. Nil when admitting the key has to wait for its rate-limit store.
    package func authenticateNow(_ run: InvocationRun) throws(GatewayError) -> PendingAuthentication? {
        let checked = try Self.checkCredentials(
            run.request.head, endpoint: run.endpoint.configuration, runtime: runtime)
        guard case .admitting(let principal) = checked else { return checked.pending }
        return try runtime.keys.rateLimiter.admitNow(principal).map {
            PendingAuthentication(state: .authenticated(principal))
        }
    }

    /// The authentication stage, waiting for the rate-limit store as it must.
    package func authenticate(_ run: InvocationRun) async throws(GatewayError) -> PendingAuthentication {
        try await Self.authenticate(run.request.head, endpoint: run.endpoint.configuration, runtime: runtime)
    }

    /// The authentication stage for `endpoint` of `runtime`'s configuration (also used when async invocations are
    /// accepted).
    package static func authenticate(
        _ head: HTTPRequest, endpoint: EndpointConfiguration, runtime: GatewayRuntime
    ) async throws(GatewayError) -> PendingAuthentication {
        let checked = try checkCredentials(head, endpoint: endpoint, runtime: runtime)
        guard case .admitting(let principal) = checked else { return checked.pending }
        do throws(AuthError) {
            try await runtime.keys.rateLimiter.admit(principal)
        } catch {
            throw GatewayError(error)
        }
        return PendingAuthentication(state: .authenticated(principal))
    }

    /// What the credentials of a request come to before its body is read.
    private enum CheckedCredentials {
        /// Nothing more to check before the body.
        case checked(PendingAuthentication)
        /// A valid API key, to be admitted under its limits.
        case admitting(Principal)

        package var pending: PendingAuthentication {
            switch self {
            case .checked(let pending): pending
            case .admitting(let principal): PendingAuthentication(state: .authenticated(principal))
            }
        }
    }

    /// Checks the credentials `endpoint` requires in `head`: the API key against the key store, the form of a SigV4
    /// signature.
    private static func checkCredentials(
        _ head: HTTPRequest, endpoint: EndpointConfiguration, runtime: GatewayRuntime
    ) throws(GatewayError) -> CheckedCredentials {
        let mode = endpoint.auth
        guard mode != .none else { return .checked(PendingAuthentication(state: .open)) }
        let headers = head.headerFields
        let (path, query) = head.rawTarget
        let credentials = PresentedCredentials(
            xAPIKey: headers.value(.apiKey), authorization: headers.value(.authorization), query: query)
        let configuration = runtime.configuration.auth
        switch credentials {
        case .none:
            throw refuse(
                .missingAuthenticationToken,
                "Missing Authentication Token: endpoint \(endpoint.name) needs \(mode.credentialsDescription).")
        case .apiKey(let key):
            guard mode == .apiKey || mode == .any else {
                throw refuse(
                    .missingAuthenticationToken,
                    "Missing Authentication Token: endpoint \(endpoint.name) needs \(mode.credentialsDescription); "
                        + "API keys are not accepted.")
            }
            let authenticator = try runtime.keys.authenticator(configuration)
            do throws(AuthError) {
                return .admitting(try authenticator.authenticate(apiKey: key, endpoint: endpoint.name))
            } catch {
                throw GatewayError(error)
            }
        case .sigV4:
            guard mode == .sigv4 || mode == .any else {
                throw refuse(
                    .missingAuthenticationToken,
                    "Missing Authentication Token: endpoint \(endpoint.name) needs \(mode.credentialsDescription); "
                        + "SigV4 signatures are not accepted.")
            }
            var fields: [(name: String, value: String)] = []
            fields.reserveCapacity(headers.count + 1)
            if let authority = head.authority { fields.append((name: "host", value: authority)) }
            for field in headers { fields.append((name: field.name.rawName, value: field.value)) }
            let signed = SigV4Request(
                method: head.method.rawValue, path: path, query: query, headers: fields, bodySHA256: "")
            return .checked(
                PendingAuthentication(
                    state: .signature(signed, endpoint: endpoint.name, configuration: configuration, keys: runtime.keys)
                ))
        }
    }

    /// A refusal decided by the gateway itself (the endpoint does not accept the credentials presented), counted
    /// like the authenticator's own in `mlgateway_auth_failures_total{reason}`.
    private static func refuse(_ code: AuthError.Code, _ message: String) -> GatewayError {
        Counter(label: "mlgateway_auth_failures_total", dimensions: [("reason", code.rawValue)]).increment()
        return GatewayError(AuthError(code: code, message: message))
    }
}

/// What the authentication stage leaves for after the body is read.
package struct PendingAuthentication: Sendable {
    package enum State: Sendable {
        /// The endpoint needs no credentials.
        case open
        /// An API key, already checked and admitted.
        case authenticated(Principal)
        /// A SigV4 signature to verify over the body.
        case signature(SigV4Request, endpoint: String, configuration: AuthConfiguration, keys: KeyRegistry)
    }

    /// What completing the authentication came to when it could not wait.
    package enum Completion {
        /// Who the request is authenticated as, nil for an endpoint without authentication.
        case done(Principal?)
        /// Admitting the signature's key has to wait for its rate-limit store.
        case mustWait
    }

    package let state: State

    /// Verifies a pending signature over `body` and admits its key under its limits when that can be done at once.
    package func completeNow(body: ByteBuffer) throws(GatewayError) -> Completion {
        guard case .signature(let request, let endpoint, let configuration, let keys) = state else {
            return .done(principalBeforeBody)
        }
        let principal = try Self.verify(
            request, body: body, endpoint: endpoint, configuration: configuration, keys: keys)
        return try keys.rateLimiter.admitNow(principal) == nil ? .mustWait : .done(principal)
    }

    /// Verifies a pending signature over `body` and admits its key under its limits.
    ///
    /// - Returns: who the request is authenticated as, nil for an endpoint without authentication.
    package func complete(body: ByteBuffer) async throws(GatewayError) -> Principal? {
        guard case .signature(let request, let endpoint, let configuration, let keys) = state else {
            return principalBeforeBody
        }
        let principal = try Self.verify(
            request, body: body, endpoint: endpoint, configuration: configuration, keys: keys)
        do throws(AuthError) {
            try await keys.rateLimiter.admit(principal)
        } catch {
            throw GatewayError(error)
        }
        return principal
    }

    /// Who the request is authenticated as when that was settled before the body was read.
    private var principalBeforeBody: Principal? {
        if case .authenticated(let principal) = state { return principal }
        return nil
    }

    private static func verify(
        _ request: SigV4Request, body: ByteBuffer, endpoint: String, configuration: AuthConfiguration,
        keys: KeyRegistry
    ) throws(GatewayError) -> Principal {
        var request = request
        request.bodySHA256 = SigV4Request.sha256Hex(body.readableBytesView)
        let authenticator = try keys.authenticator(configuration)
        do throws(AuthError) {
            return try authenticator.authenticateSigV4(
                request: request, endpoint: endpoint, verifier: configuration.verifier)
        } catch {
            throw GatewayError(error)
        }
    }
}

extension RateLimiter {
    /// Admits `principal` at once when its rate-limit store can decide without waiting: `()` when admitted, nil
    /// when the decision has to wait (``admit(_:now:)``); throws when throttled.
    package func admitNow(_ principal: Principal) throws(GatewayError) -> Void? {
        do throws(AuthError) {
            return try admitImmediately(principal)
        } catch {
            throw GatewayError(error)
        }
    }
}

extension AuthMode {
    /// The credentials the mode accepts, for messages.
    package var credentialsDescription: String {
        switch self {
        case .none: "no credentials"
        case .apiKey: "an API key (x-api-key or Authorization: Bearer)"
        case .sigv4: "a SigV4 signature"
        case .any: "an API key (x-api-key or Authorization: Bearer) or a SigV4 signature"
        }
    }
}
