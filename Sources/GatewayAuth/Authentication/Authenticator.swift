import Foundation
import Logging
import Metrics
import Synchronization
import WireFormats

/// Checks API keys and SigV4 signatures against an in-memory snapshot of the ``KeyStore``.
///
/// Request-time checks never touch the database. ``run()`` loads the keys, then polls the store's revision counter
/// every `pollInterval` and reloads the snapshot when it changed, so revocations made by another process apply
/// within a second; on PostgreSQL the key registry also calls ``refreshIfChanged()`` as soon as a change is
/// notified. Until the first load, requests answer 503 `ServiceUnavailable`.
/// Failures are counted in `mlgateway_auth_failures_total{reason}` (reason = AWS error code).
public final class Authenticator: Sendable {
    private let store: KeyStore
    private let pollInterval: Duration
    private let logger: Logger
    private let snapshot: Mutex<KeySnapshot>
    private let failures: [AuthError.Code: Counter]
    private static let decoySalt = [UInt8](repeating: 0, count: 32)

    /// Creates an authenticator; the keys are loaded by ``run()`` or ``refreshIfChanged()``.
    public init(
        store: KeyStore, pollInterval: Duration = .milliseconds(250),
        logger: Logger = Logger(label: "mlgateway.auth")
    ) {
        self.store = store
        self.pollInterval = pollInterval
        self.logger = logger
        self.snapshot = Mutex(.empty)
        self.failures = Dictionary(
            uniqueKeysWithValues: AuthError.Code.allCases.filter { $0 != .throttling }.map {
                ($0, Counter(label: "mlgateway_auth_failures_total", dimensions: [("reason", $0.rawValue)]))
            })
    }

    /// Whether the keys have been loaded at least once.
    public var isLoaded: Bool { snapshot.withLock { $0.revision >= 0 } }

    /// Loads the keys, then polls the store for changes until the task is cancelled. A failed read is logged once
    /// until a read succeeds again; the keys loaded last stay in force meanwhile.
    public func run() async {
        var failing = false
        while !Task.isCancelled {
            do {
                try await refreshIfChanged()
                if failing { logger.info("API keys readable again") }
                failing = false
            } catch {
                // A read cut short by shutdown is not a failure worth a warning.
                guard !Task.isCancelled else { return }
                if !failing {
                    logger.warning(
                        "Reloading API keys failed; the keys loaded last stay in force",
                        metadata: ["error": "\(error)"])
                }
                failing = true
            }
            do {
                try await Task.sleep(for: pollInterval)
            } catch {
                return
            }
        }
    }

    /// Reloads the snapshot now if the store changed (e.g. right after an admin API write).
    public func refreshIfChanged() async throws(KeyStoreError) {
        let revision = try await store.revision()
        guard revision != snapshot.withLock({ $0.revision }) else { return }
        install(try await store.snapshot())
    }

    /// Authenticates an API key for `endpoint`.
    ///
    /// - Throws: `MissingAuthenticationTokenException` for `nil`, `UnrecognizedClientException` for an unknown or
    ///   wrong key, `AccessDeniedException` for a revoked, expired or out-of-scope key.
    public func authenticate(apiKey: String?, endpoint: String, now: Date = Date()) throws(AuthError) -> Principal {
        do throws(AuthError) {
            guard let apiKey, !apiKey.isEmpty else { throw AuthError.missingAuthenticationToken }
            guard let id = KeyGenerator.id(of: apiKey) else { throw AuthError.unrecognizedAPIKey }
            let (loaded, found) = snapshot.withLock { ($0.revision >= 0, $0.keys[String(id)]) }
            guard loaded else { throw AuthError.keysNotLoaded }
            guard let entry = found else {
                // Hash anyway so an unknown ID takes as long as a wrong secret.
                _ = Hex.constantTimeEquals(KeyGenerator.hash(apiKey: apiKey, salt: Self.decoySalt), Self.decoySalt)
                throw AuthError.unrecognizedAPIKey
            }
            guard Hex.constantTimeEquals(KeyGenerator.hash(apiKey: apiKey, salt: entry.salt), entry.hash) else {
                throw AuthError.unrecognizedAPIKey
            }
            return try authorize(entry, method: .apiKey, endpoint: endpoint, now: now)
        } catch {
            failures[error.code]?.increment()
            throw error
        }
    }

    /// Authenticates a SigV4-signed request for `endpoint`.
    ///
    /// - Throws: `MissingAuthenticationTokenException` when unsigned, `UnrecognizedClientException` for an unknown
    ///   access key ID, `InvalidSignatureException` / `IncompleteSignatureException` from `verifier`,
    ///   `AccessDeniedException` for a revoked, expired or out-of-scope key.
    public func authenticateSigV4(
        request: SigV4Request, endpoint: String, verifier: SigV4Verifier, now: Date = Date()
    ) throws(AuthError) -> Principal {
        do throws(AuthError) {
            let authorization = try verifier.authorization(of: request)
            let (loaded, entry) = snapshot.withLock { snapshot in
                (snapshot.revision >= 0, snapshot.accessKeys[authorization.accessKeyID].flatMap { snapshot.keys[$0] })
            }
            guard loaded else { throw AuthError.keysNotLoaded }
            guard let entry, let secret = entry.secretAccessKey else { throw AuthError.unrecognizedAccessKey }
            let secretAccessKey: String
            switch secret {
            case .success(let value):
                secretAccessKey = value
            case .failure(let error):
                logger.error(
                    "Cannot verify SigV4 request: secret unavailable",
                    metadata: ["key": "\(entry.info.id)", "error": "\(error)"])
                throw AuthError.internalFailure(
                    "The gateway cannot verify SigV4 signatures: its master key is missing or wrong.")
            }
            try verifier.verify(request, authorization: authorization, secretAccessKey: secretAccessKey, now: now)
            return try authorize(
                entry, method: .sigV4(accessKeyID: authorization.accessKeyID), endpoint: endpoint, now: now)
        } catch {
            failures[error.code]?.increment()
            throw error
        }
    }

    private func authorize(
        _ entry: KeySnapshot.Entry, method: Principal.Method, endpoint: String, now: Date
    ) throws(AuthError) -> Principal {
        let info = entry.info
        switch info.status(at: now) {
        case .revoked:
            throw .accessDenied("The key '\(info.id)' has been revoked.")
        case .expired:
            throw .accessDenied("The key '\(info.id)' expired at \(UTCTime(info.expiresAt ?? now).basicISO8601).")
        case .active:
            break
        }
        guard info.allows(endpoint: endpoint) else {
            throw .accessDenied("The key '\(info.id)' is not authorized to invoke endpoint '\(endpoint)'.")
        }
        return Principal(
            keyID: info.id, name: info.name, method: method,
            policy: RateLimitPolicy(rateLimit: info.rateLimit, quota: info.quota))
    }

    private func install(_ new: KeySnapshot) {
        for entry in new.keys.values {
            if case .failure(let error)? = entry.secretAccessKey {
                logger.error("SigV4 secret unavailable", metadata: ["key": "\(entry.info.id)", "error": "\(error)"])
            }
        }
        snapshot.withLock { current in
            if new.revision >= current.revision { current = new }
        }
        logger.debug("API keys loaded", metadata: ["revision": "\(new.revision)", "keys": "\(new.keys.count)"])
    }
}
