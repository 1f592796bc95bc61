import Foundation
import Testing

@testable import GatewayAuth

@Suite struct KeyStoreTests {
    let database: TemporaryDatabase
    let masterKey = MasterKey.random()
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    init() throws {
        database = try TemporaryDatabase()
    }

    @Test func createShowAndList() async throws {
        let store = try database.store()
        let created = try await store.create(
            name: "team-a", endpoints: ["a", "b"], expiresAt: now.addingTimeInterval(86_400),
            rateLimit: RateLimit(perSecond: 5, burst: 10), quota: Quota(limit: 100, period: .day), now: now)
        #expect(created.name == "team-a")
        #expect(created.apiKey.hasPrefix("mlgw_\(created.id)_"))
        #expect(created.accessKeyID == nil && created.secretAccessKey == nil)
        let info = try await store.show(id: created.id)
        #expect(info.endpoints == ["a", "b"])
        #expect(info.createdAt == now)
        #expect(info.expiresAt == now.addingTimeInterval(86_400))
        #expect(info.rateLimit == RateLimit(perSecond: 5, burst: 10))
        #expect(info.quota == Quota(limit: 100, period: .day))
        #expect(info.status(at: now) == .active)
        let second = try await store.create(name: "team-b", now: now.addingTimeInterval(1))
        #expect(try await store.list().map(\.id) == [created.id, second.id])
        #expect(try await store.show(id: second.id).endpoints.isEmpty)
    }

    @Test func revokeIsPermanentAndIdempotent() async throws {
        let store = try database.store()
        let created = try await store.create(name: "k", now: now)
        let revoked = try await store.revoke(id: created.id, now: now.addingTimeInterval(10))
        #expect(revoked.status(at: now) == .revoked)
        try await store.revoke(id: created.id, now: now.addingTimeInterval(20))
        #expect(try await store.show(id: created.id).revokedAt == now.addingTimeInterval(10))
        await #expect(throws: KeyStoreError.self) { try await store.rotate(id: created.id) }
    }

    @Test func rotateReplacesSecrets() async throws {
        let store = try database.store(masterKey: masterKey)
        let created = try await store.create(name: "k", sigV4: true, now: now)
        let rotated = try await store.rotate(id: created.id, now: now.addingTimeInterval(5))
        #expect(rotated.id == created.id)
        #expect(rotated.apiKey != created.apiKey)
        #expect(rotated.accessKeyID == created.accessKeyID)
        #expect(rotated.secretAccessKey != created.secretAccessKey)
        #expect(try await store.show(id: created.id).rotatedAt == now.addingTimeInterval(5))
        let snapshot = try await store.snapshot()
        let entry = try #require(snapshot.keys[created.id])
        #expect(KeyGenerator.hash(apiKey: rotated.apiKey, salt: entry.salt) == entry.hash)
        #expect(KeyGenerator.hash(apiKey: created.apiKey, salt: entry.salt) != entry.hash)
        #expect(try entry.secretAccessKey?.get() == rotated.secretAccessKey)
    }

    @Test func unknownIDIsNotFound() async throws {
        let store = try database.store()
        let operations: [@Sendable () async throws -> Void] = [
            { _ = try await store.show(id: "nope") }, { _ = try await store.revoke(id: "nope") },
            { _ = try await store.rotate(id: "nope") },
        ]
        for operation in operations {
            let error = await #expect(throws: KeyStoreError.self) { try await operation() }
            #expect(error?.kind == .notFound)
        }
    }

    @Test func sigV4KeyNeedsMasterKey() async throws {
        let store = try database.store()
        let error = await #expect(throws: KeyStoreError.self) { try await store.create(name: "k", sigV4: true) }
        #expect(error?.kind == .masterKeyMissing)
        #expect(error?.message.contains("openssl rand -base64 32") == true)
    }

    @Test func invalidOptionsAreRejected() async throws {
        let store = try database.store()
        await #expect(throws: KeyStoreError.self) { try await store.create(name: "") }
        await #expect(throws: KeyStoreError.self) {
            try await store.create(name: "k", rateLimit: RateLimit(perSecond: 0, burst: 1))
        }
        await #expect(throws: KeyStoreError.self) {
            try await store.create(name: "k", quota: Quota(limit: 0, period: .day))
        }
    }

    @Test func secretsAreNeverStoredInTheClear() async throws {
        let store = try database.store(masterKey: masterKey)
        let created = try await store.create(name: "k", sigV4: true, now: now)
        let rotated = try await store.rotate(id: created.id, now: now)
        let bytes = try database.allBytes()
        #expect(bytes.contains(bytes: created.id))
        for secret in [created.apiKey, rotated.apiKey, created.secretAccessKey, rotated.secretAccessKey].compactMap({
            $0
        }) {
            #expect(!bytes.contains(bytes: secret))
            #expect(!bytes.contains(bytes: secret.split(separator: "_").last ?? ""))
        }
    }

    @Test func newDatabaseIsOwnerOnly() async throws {
        _ = try database.store()
        let attributes = try FileManager.default.attributesOfItem(atPath: database.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test func opensTheDatabaseInTheStateDirectory() async throws {
        let stateDirectory = database.directory.appendingPathComponent("state")
        let created = try await KeyStore(stateDirectory: stateDirectory).create(name: "k")
        let path = stateDirectory.appendingPathComponent("mlgateway.sqlite").path
        #expect(try await KeyStore(path: path).show(id: created.id).name == "k")
    }

    @Test func everyWriteBumpsTheRevision() async throws {
        let store = try database.store()
        let start = try await store.revision()
        let created = try await store.create(name: "k")
        try await store.revoke(id: created.id)
        #expect(try await store.revision() == start + 2)
    }

    @Test func reopeningKeepsKeysAndOtherTables() async throws {
        let created = try await database.store().create(name: "k")
        let reopened = try database.store()
        guard case .sqlite(let pool) = reopened.storage else {
            Issue.record("not SQLite")
            return
        }
        try await pool.write { db in try db.execute(sql: "CREATE TABLE template (id TEXT)") }
        #expect(try await database.store().show(id: created.id).name == "k")
    }
}

@Suite struct KeyOptionParsingTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    @Test func rates() async throws {
        #expect(try RateLimit(parsing: "100/s") == RateLimit(perSecond: 100, burst: 100))
        #expect(try RateLimit(parsing: "600/m") == RateLimit(perSecond: 10, burst: 600))
        #expect(try RateLimit(parsing: "60/m", burst: 5) == RateLimit(perSecond: 1, burst: 5))
        #expect(try RateLimit(parsing: "0.5/s") == RateLimit(perSecond: 0.5, burst: 1))
        for bad in ["100", "x/s", "100/d", "-1/s", "0/s"] {
            #expect(throws: KeyStoreError.self) { try RateLimit(parsing: bad) }
        }
    }

    @Test func quotas() async throws {
        #expect(try Quota(parsing: "1000000/month") == Quota(limit: 1_000_000, period: .month))
        #expect(try Quota(parsing: "5000/day") == Quota(limit: 5000, period: .day))
        for bad in ["1000", "1000/week", "0/day", "x/day"] {
            #expect(throws: KeyStoreError.self) { try Quota(parsing: bad) }
        }
    }

    @Test func expiries() async throws {
        #expect(try KeyExpiry.parse("30d", now: now) == now.addingTimeInterval(30 * 86_400))
        #expect(try KeyExpiry.parse("12h", now: now) == now.addingTimeInterval(12 * 3_600))
        #expect(try KeyExpiry.parse("2027-01-01") == ISO8601DateFormatter().date(from: "2027-01-01T00:00:00Z"))
        for bad in ["2027-02-30", "2027-1-1", "tomorrow", "0d", "d"] {
            #expect(throws: KeyStoreError.self) { try KeyExpiry.parse(bad, now: now) }
        }
    }

    @Test func createdKeyJSONHasTheDocumentedFields() async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let plain = CreatedKey(id: "i", name: "n", apiKey: "k", accessKeyID: nil, secretAccessKey: nil)
        #expect(String(decoding: try encoder.encode(plain), as: UTF8.self) == #"{"apiKey":"k","id":"i","name":"n"}"#)
        let sigV4 = CreatedKey(id: "i", name: "n", apiKey: "k", accessKeyID: "A", secretAccessKey: "S")
        #expect(
            String(decoding: try encoder.encode(sigV4), as: UTF8.self)
                == #"{"accessKeyId":"A","apiKey":"k","id":"i","name":"n","secretAccessKey":"S"}"#)
    }
}
