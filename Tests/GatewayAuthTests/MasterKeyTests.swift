import Foundation
import Testing

@testable import GatewayAuth

@Suite struct MasterKeyTests {
    @Test func sealOpenRoundTrip() async throws {
        let key = MasterKey.random()
        let sealed = try key.seal(Array("secret".utf8), context: "ctx")
        #expect(try key.open(sealed, context: "ctx") == Array("secret".utf8))
        #expect(!sealed.contains(bytes: "secret"))
    }

    @Test func wrongMasterKeyFails() async throws {
        let sealed = try MasterKey.random().seal(Array("secret".utf8), context: "ctx")
        let error = #expect(throws: KeyStoreError.self) { try MasterKey.random().open(sealed, context: "ctx") }
        #expect(error?.kind == .masterKeyMismatch)
    }

    @Test func contextIsAuthenticated() async throws {
        let key = MasterKey.random()
        let sealed = try key.seal(Array("secret".utf8), context: "AKID1")
        #expect(throws: KeyStoreError.self) { try key.open(sealed, context: "AKID2") }
    }

    @Test func base64RoundTrip() async throws {
        let key = MasterKey.random()
        let copy = try MasterKey(base64: key.base64 + "\n")
        #expect(try copy.open(key.seal([1, 2, 3], context: "c"), context: "c") == [1, 2, 3])
    }

    @Test(arguments: ["", "not base64", Data(count: 16).base64EncodedString()])
    func malformedKeyIsRejected(text: String) {
        let error = #expect(throws: KeyStoreError.self) { try MasterKey(base64: text) }
        #expect(error?.kind == .masterKeyInvalid)
    }

    @Test func loadPrefersEnvironmentThenFile() async throws {
        let database = try TemporaryDatabase()
        let file = database.directory.appendingPathComponent("master.key")
        let fromFile = MasterKey.random()
        try Data((fromFile.base64 + "\n").utf8).write(to: file)
        let fromEnvironment = MasterKey.random()
        #expect(try MasterKey.load(environment: [:], file: nil) == nil)
        #expect(try MasterKey.load(environment: [:], file: file.path)?.base64 == fromFile.base64)
        #expect(
            try MasterKey.load(environment: [MasterKey.environmentVariable: fromEnvironment.base64], file: file.path)?
                .base64 == fromEnvironment.base64)
        let error = #expect(throws: KeyStoreError.self) {
            try MasterKey.load(environment: [:], file: database.directory.appendingPathComponent("missing").path)
        }
        #expect(error?.kind == .masterKeyInvalid)
    }

    @Test func storedSecretWithWrongMasterKeyIsReportedNotCrashed() async throws {
        let database = try TemporaryDatabase()
        let created = try await database.store(masterKey: .random()).create(name: "k", sigV4: true)
        let entry = try #require(try await database.store(masterKey: .random()).snapshot().keys[created.id])
        #expect(throws: KeyStoreError.self) { try entry.secretAccessKey?.get() }
        let missing = try #require(try await database.store().snapshot().keys[created.id])
        #expect(throws: KeyStoreError.masterKeyMissing) { try missing.secretAccessKey?.get() }
    }
}
