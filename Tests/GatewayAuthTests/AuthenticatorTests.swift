import Foundation
import Testing

@testable import GatewayAuth

/// The error matrix for API keys and SigV4, and cache invalidation across processes.
@Suite struct AuthenticatorTests {
    let database: TemporaryDatabase
    let masterKey = MasterKey.random()
    let now = Date(timeIntervalSince1970: 1_795_000_000)
    let verifier = SigV4Verifier(allowedRegions: ["us-east-1"])

    init() throws {
        database = try TemporaryDatabase()
    }

    func setUp() async throws -> (KeyStore, Authenticator) {
        let store = try database.store(masterKey: masterKey)
        let authenticator = Authenticator(store: store)
        try await authenticator.refreshIfChanged()
        return (store, authenticator)
    }

    func signed(_ key: CreatedKey, path: String = "/endpoints/a/invocations", at date: Date? = nil) -> SigV4Request {
        let signer = SigV4Signer(
            accessKeyID: key.accessKeyID ?? "", secretAccessKey: key.secretAccessKey ?? "", region: "us-east-1")
        let request = SigV4Request(
            method: "POST", path: path, query: "", headers: [("Host", "gateway:8080")], body: Array("{}".utf8))
        return signer.sign(request, date: date ?? now)
    }

    func expectError(
        _ code: AuthError.Code, messageContains text: String? = nil, _ body: () throws(AuthError) -> Principal
    ) {
        let error = #expect(throws: AuthError.self) { try body() }
        #expect(error?.code == code)
        #expect(error?.httpStatus == 403)
        if let text { #expect(error?.message.contains(text) == true, "\(error?.message ?? "")") }
    }

    // MARK: API keys

    @Test func validAPIKey() async throws {
        let (store, authenticator) = try await setUp()
        let created = try await store.create(name: "team", rateLimit: RateLimit(perSecond: 1, burst: 2), now: now)
        try await authenticator.refreshIfChanged()
        let principal = try authenticator.authenticate(apiKey: created.apiKey, endpoint: "a", now: now)
        #expect(principal.keyID == created.id)
        #expect(principal.name == "team")
        #expect(principal.method == .apiKey)
        #expect(principal.policy.rateLimit == RateLimit(perSecond: 1, burst: 2))
    }

    @Test func missingAPIKey() async throws {
        let (_, authenticator) = try await setUp()
        expectError(.missingAuthenticationToken) { () throws(AuthError) in
            try authenticator.authenticate(apiKey: nil, endpoint: "a")
        }
        expectError(.missingAuthenticationToken) { () throws(AuthError) in
            try authenticator.authenticate(apiKey: "", endpoint: "a")
        }
    }

    @Test func unknownAndWrongAPIKeysLookTheSame() async throws {
        let (store, authenticator) = try await setUp()
        let created = try await store.create(name: "k", now: now)
        let revoked = try await store.create(name: "r", now: now)
        try await store.revoke(id: revoked.id, now: now)
        try await authenticator.refreshIfChanged()
        let wrongSecret = String(created.apiKey.dropLast()) + (created.apiKey.hasSuffix("a") ? "b" : "a")
        let unknownID = "mlgw_zzzzzzzzzzzz_" + String(created.apiKey.suffix(KeyGenerator.secretLength))
        let wrongSecretOfRevoked = String(revoked.apiKey.dropLast()) + (revoked.apiKey.hasSuffix("a") ? "b" : "a")
        for key in [wrongSecret, unknownID, wrongSecretOfRevoked, "garbage", created.apiKey + "x"] {
            let error = #expect(throws: AuthError.self) {
                try authenticator.authenticate(apiKey: key, endpoint: "a", now: now)
            }
            #expect(error == .unrecognizedAPIKey)
        }
    }

    @Test func revokedAPIKey() async throws {
        let (store, authenticator) = try await setUp()
        let created = try await store.create(name: "k", now: now)
        try await store.revoke(id: created.id, now: now)
        try await authenticator.refreshIfChanged()
        expectError(.accessDenied, messageContains: "revoked") { () throws(AuthError) in
            try authenticator.authenticate(apiKey: created.apiKey, endpoint: "a", now: now)
        }
    }

    @Test func expiredAPIKey() async throws {
        let (store, authenticator) = try await setUp()
        let created = try await store.create(name: "k", expiresAt: now.addingTimeInterval(60), now: now)
        try await authenticator.refreshIfChanged()
        _ = try authenticator.authenticate(apiKey: created.apiKey, endpoint: "a", now: now.addingTimeInterval(59))
        expectError(.accessDenied, messageContains: "expired") { () throws(AuthError) in
            try authenticator.authenticate(apiKey: created.apiKey, endpoint: "a", now: now.addingTimeInterval(60))
        }
    }

    @Test func outOfScopeAPIKey() async throws {
        let (store, authenticator) = try await setUp()
        let created = try await store.create(name: "k", endpoints: ["a"], now: now)
        try await authenticator.refreshIfChanged()
        _ = try authenticator.authenticate(apiKey: created.apiKey, endpoint: "a", now: now)
        expectError(.accessDenied, messageContains: "'b'") { () throws(AuthError) in
            try authenticator.authenticate(apiKey: created.apiKey, endpoint: "b", now: now)
        }
    }

    @Test func rotatedAPIKeyReplacesTheOldOne() async throws {
        let (store, authenticator) = try await setUp()
        let created = try await store.create(name: "k", now: now)
        let rotated = try await store.rotate(id: created.id, now: now)
        try await authenticator.refreshIfChanged()
        _ = try authenticator.authenticate(apiKey: rotated.apiKey, endpoint: "a", now: now)
        expectError(.unrecognizedClient) { () throws(AuthError) in
            try authenticator.authenticate(apiKey: created.apiKey, endpoint: "a", now: now)
        }
    }

    // MARK: SigV4

    @Test func validSigV4() async throws {
        let (store, authenticator) = try await setUp()
        let created = try await store.create(name: "aws", sigV4: true, now: now)
        try await authenticator.refreshIfChanged()
        let principal = try authenticator.authenticateSigV4(
            request: signed(created), endpoint: "a", verifier: verifier, now: now)
        #expect(principal.keyID == created.id)
        #expect(principal.method == .sigV4(accessKeyID: try #require(created.accessKeyID)))
    }

    @Test func missingSigV4Credentials() async throws {
        let (_, authenticator) = try await setUp()
        let request = SigV4Request(method: "POST", path: "/", query: "", headers: [("Host", "h")], bodySHA256: "")
        expectError(.missingAuthenticationToken) { () throws(AuthError) in
            try authenticator.authenticateSigV4(request: request, endpoint: "a", verifier: verifier, now: now)
        }
    }

    @Test func unknownAccessKey() async throws {
        let (_, authenticator) = try await setUp()
        let stranger = CreatedKey(id: "x", name: "x", apiKey: "", accessKeyID: "MLGWUNKNOWN", secretAccessKey: "s")
        expectError(.unrecognizedClient) { () throws(AuthError) in
            try authenticator.authenticateSigV4(request: signed(stranger), endpoint: "a", verifier: verifier, now: now)
        }
    }

    @Test func badSignature() async throws {
        let (store, authenticator) = try await setUp()
        var created = try await store.create(name: "aws", sigV4: true, now: now)
        try await authenticator.refreshIfChanged()
        created.secretAccessKey = "wrong"
        expectError(.invalidSignature, messageContains: "does not match") { () throws(AuthError) in
            try authenticator.authenticateSigV4(request: signed(created), endpoint: "a", verifier: verifier, now: now)
        }
    }

    @Test func staleDate() async throws {
        let (store, authenticator) = try await setUp()
        let created = try await store.create(name: "aws", sigV4: true, now: now)
        try await authenticator.refreshIfChanged()
        let request = signed(created, at: now.addingTimeInterval(-600))
        expectError(.invalidSignature, messageContains: "Signature expired") { () throws(AuthError) in
            try authenticator.authenticateSigV4(request: request, endpoint: "a", verifier: verifier, now: now)
        }
    }

    @Test func tamperedSigV4Requests() async throws {
        let (store, authenticator) = try await setUp()
        let created = try await store.create(name: "aws", sigV4: true, now: now)
        try await authenticator.refreshIfChanged()
        var body = signed(created)
        body.bodySHA256 = SigV4Request.sha256Hex(Array("{\"evil\":1}".utf8))
        var path = signed(created)
        path.path = "/endpoints/b/invocations"
        var header = signed(created)
        let host = try #require(header.headers.firstIndex { $0.name == "Host" })
        header.headers[host].value = "other:8080"
        for request in [body, path, header] {
            expectError(.invalidSignature) { () throws(AuthError) in
                try authenticator.authenticateSigV4(request: request, endpoint: "a", verifier: verifier, now: now)
            }
        }
    }

    @Test func revokedExpiredAndOutOfScopeSigV4Keys() async throws {
        let (store, authenticator) = try await setUp()
        let revoked = try await store.create(name: "r", sigV4: true, now: now)
        try await store.revoke(id: revoked.id, now: now)
        let expired = try await store.create(name: "e", expiresAt: now, sigV4: true, now: now)
        let scoped = try await store.create(name: "s", endpoints: ["b"], sigV4: true, now: now)
        try await authenticator.refreshIfChanged()
        for (key, text) in [(revoked, "revoked"), (expired, "expired"), (scoped, "not authorized")] {
            expectError(.accessDenied, messageContains: text) { () throws(AuthError) in
                try authenticator.authenticateSigV4(request: signed(key), endpoint: "a", verifier: verifier, now: now)
            }
        }
    }

    @Test func sigV4WithoutMasterKeyIsAnInternalFailure() async throws {
        let created = try await database.store(masterKey: masterKey).create(name: "aws", sigV4: true, now: now)
        let authenticator = Authenticator(store: try database.store())
        try await authenticator.refreshIfChanged()
        let error = #expect(throws: AuthError.self) {
            try authenticator.authenticateSigV4(request: signed(created), endpoint: "a", verifier: verifier, now: now)
        }
        #expect(error?.code == .internalFailure)
        #expect(error?.httpStatus == 500)
    }

    // MARK: Cache invalidation

    @Test func requestsBeforeTheFirstLoadAreServiceUnavailable() async throws {
        let store = try database.store(masterKey: masterKey)
        let created = try await store.create(name: "k", sigV4: true, now: now)
        let authenticator = Authenticator(store: store)
        #expect(!authenticator.isLoaded)
        let error = #expect(throws: AuthError.self) {
            try authenticator.authenticate(apiKey: created.apiKey, endpoint: "a", now: now)
        }
        #expect(error == .keysNotLoaded)
        #expect(error?.httpStatus == 503)
        let signedError = #expect(throws: AuthError.self) {
            try authenticator.authenticateSigV4(request: signed(created), endpoint: "a", verifier: verifier, now: now)
        }
        #expect(signedError == .keysNotLoaded)
        try await authenticator.refreshIfChanged()
        #expect(authenticator.isLoaded)
        _ = try authenticator.authenticate(apiKey: created.apiKey, endpoint: "a", now: now)
    }

    @Test func changesFromAnotherStoreApplyAfterRefresh() async throws {
        let gatewayStore = try database.store(masterKey: masterKey)
        let authenticator = Authenticator(store: gatewayStore)
        try await authenticator.refreshIfChanged()
        let cliStore = try database.store(masterKey: masterKey)
        let created = try await cliStore.create(name: "k", now: now)
        #expect(throws: AuthError.unrecognizedAPIKey) {
            try authenticator.authenticate(apiKey: created.apiKey, endpoint: "a", now: now)
        }
        try await authenticator.refreshIfChanged()
        _ = try authenticator.authenticate(apiKey: created.apiKey, endpoint: "a", now: now)
        try await cliStore.revoke(id: created.id, now: now)
        _ = try authenticator.authenticate(apiKey: created.apiKey, endpoint: "a", now: now)
        try await authenticator.refreshIfChanged()
        #expect(throws: AuthError.self) {
            try authenticator.authenticate(apiKey: created.apiKey, endpoint: "a", now: now)
        }
    }

    @Test func runLoopPicksUpRevocationFromAnotherStore() async throws {
        let authenticator = Authenticator(store: try database.store(), pollInterval: .milliseconds(20))
        let cliStore = try database.store()
        let created = try await cliStore.create(name: "k", now: now)
        let poller = Task { await authenticator.run() }
        defer { poller.cancel() }
        #expect(
            await eventually {
                (try? authenticator.authenticate(apiKey: created.apiKey, endpoint: "a", now: now)) != nil
            })
        try await cliStore.revoke(id: created.id, now: now)
        #expect(
            await eventually {
                (try? authenticator.authenticate(apiKey: created.apiKey, endpoint: "a", now: now)) == nil
            })
    }

    @Test func runReturnsWhenCancelled() async throws {
        let authenticator = try Authenticator(store: database.store(), pollInterval: .milliseconds(10))
        let poller = Task { await authenticator.run() }
        poller.cancel()
        await poller.value
    }

    /// Polls `condition` until it holds, for at most about ten seconds.
    func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<1_000 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}
