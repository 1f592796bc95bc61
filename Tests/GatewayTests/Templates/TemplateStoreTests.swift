import Foundation
import Testing

@testable import Gateway
@testable import InvocationCore

@Suite("Template store")
struct TemplateStoreTests {
    let directory: TemporaryDirectory
    let store: TemplateStore

    init() throws {
        directory = try TemporaryDirectory()
        store = try TemplateStore(stateDirectory: directory.url.appendingPathComponent("state"))
    }

    @Test func firstPutCreatesVersionOne() async throws {
        let version = try await store.put(TemplateFixtures.key(), source: "a", actor: TemplateFixtures.alice)
        #expect(version.version == 1)
        #expect(version.action == .create)
        #expect(version.author == "alice")
        #expect(version.hash == TemplateStore.hash("a"))
    }

    @Test func theDatabaseAndItsWALAreReadableByTheOwnerOnly() async throws {
        _ = try await store.put(TemplateFixtures.key(), source: "a", actor: TemplateFixtures.alice)
        let state = directory.url.appendingPathComponent("state")
        for name in [TemplateStore.fileName, TemplateStore.fileName + "-wal"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: state.appendingPathComponent(name).path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600, "\(name)")
        }
    }

    @Test func putsAppendVersions() async throws {
        let key = TemplateFixtures.key()
        _ = try await store.put(key, source: "a", actor: TemplateFixtures.alice)
        let second = try await store.put(key, source: "b", actor: TemplateFixtures.bob)
        #expect(second.version == 2)
        #expect(second.action == .update)
        #expect(try await store.version(key).source == "b")
        #expect(try await store.version(key, 1).source == "a")
    }

    @Test func historyListsEveryVersionOldestFirst() async throws {
        let key = TemplateFixtures.key()
        for text in ["a", "b", "c"] { _ = try await store.put(key, source: text, actor: TemplateFixtures.alice) }
        let history = try await store.history(key)
        #expect(history.map(\.version) == [1, 2, 3])
        #expect(history.map(\.source) == ["a", "b", "c"])
    }

    @Test func keysAreIndependent() async throws {
        _ = try await store.put(TemplateFixtures.key(.request), source: "req", actor: TemplateFixtures.alice)
        let response = try await store.put(
            TemplateFixtures.key(.response), source: "res", actor: TemplateFixtures.alice)
        let variant = try await store.put(
            TemplateFixtures.key(variant: "VariantA"), source: "var", actor: TemplateFixtures.alice)
        #expect(response.version == 1)
        #expect(variant.version == 1)
    }

    @Test func contentTypeIsNormalized() async throws {
        _ = try await store.put(
            TemplateFixtures.key(.request, "Application/JSON; charset=utf-8"), source: "a",
            actor: TemplateFixtures.alice)
        #expect(try await store.version(TemplateFixtures.key(.request, "application/json")).source == "a")
    }

    @Test func invalidTemplateIsRejectedWithPositionAndAudited() async throws {
        let key = TemplateFixtures.key()
        await #expect {
            try await store.put(key, source: "line one\n#if($x\n", actor: TemplateFixtures.alice)
        } throws: { error in
            guard case .invalid(let failure) = error as? TemplateStoreError else { return false }
            return failure.line >= 2 && failure.column > 0
        }
        #expect(try await store.history(key).isEmpty)
        let audit = try await store.audit()
        #expect(audit.first?.action == "rejected")
        #expect(audit.first?.detail?.isEmpty == false)
    }

    @Test func staleExpectedVersionConflicts() async throws {
        let key = TemplateFixtures.key()
        _ = try await store.put(key, source: "a", actor: TemplateFixtures.alice, expectedVersion: 0)
        _ = try await store.put(key, source: "b", actor: TemplateFixtures.alice, expectedVersion: 1)
        await #expect(throws: TemplateStoreError.conflict(key: key, expected: 1, actual: 2)) {
            try await store.put(key, source: "c", actor: TemplateFixtures.bob, expectedVersion: 1)
        }
        #expect(try await store.version(key).source == "b")
    }

    @Test func expectingNoVersionConflictsWhenOneExists() async throws {
        let key = TemplateFixtures.key()
        _ = try await store.put(key, source: "a", actor: TemplateFixtures.alice)
        await #expect(throws: TemplateStoreError.conflict(key: key, expected: 0, actual: 1)) {
            try await store.put(key, source: "b", actor: TemplateFixtures.bob, expectedVersion: 0)
        }
    }

    @Test func concurrentEditsWithTheSameExpectedVersionLetExactlyOneWin() async throws {
        let key = TemplateFixtures.key()
        _ = try await store.put(key, source: "base", actor: TemplateFixtures.alice)
        let other = try TemplateStore(stateDirectory: directory.url.appendingPathComponent("state"))
        let stores = [store, other, store, other, store, other]
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for (index, store) in stores.enumerated() {
                group.addTask {
                    do {
                        _ = try await store.put(
                            key, source: "edit \(index)", actor: TemplateFixtures.bob, expectedVersion: 1)
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try await store.history(key).count == 2)
    }

    @Test func rollbackCopiesAnEarlierVersion() async throws {
        let key = TemplateFixtures.key()
        _ = try await store.put(key, source: "a", outputContentType: "text/csv", actor: TemplateFixtures.alice)
        _ = try await store.put(key, source: "b", outputContentType: "text/plain", actor: TemplateFixtures.alice)
        let restored = try await store.rollback(key, to: 1, actor: TemplateFixtures.bob)
        #expect(restored.version == 3)
        #expect(restored.action == .rollback)
        #expect(restored.restoredFrom == 1)
        #expect(restored.source == "a")
        #expect(restored.outputContentType == "text/csv")
        #expect(try await store.version(key).source == "a")
    }

    @Test func rollbackToAMissingVersionFails() async throws {
        let key = TemplateFixtures.key()
        _ = try await store.put(key, source: "a", actor: TemplateFixtures.alice)
        await #expect(throws: TemplateStoreError.notFound(key: key, version: 7)) {
            try await store.rollback(key, to: 7, actor: TemplateFixtures.alice)
        }
    }

    @Test func deleteLeavesHistoryAndNoLiveVersion() async throws {
        let key = TemplateFixtures.key()
        _ = try await store.put(key, source: "a", actor: TemplateFixtures.alice)
        let deletion = try await store.delete(key, actor: TemplateFixtures.bob)
        #expect(deletion.version == 2)
        #expect(deletion.action == .delete)
        #expect(!deletion.isLive)
        await #expect(throws: TemplateStoreError.notFound(key: key, version: nil)) { try await store.version(key) }
        #expect(try await store.liveTemplates().templates.isEmpty)
        #expect(try await store.history(key).count == 2)
    }

    @Test func deletingTwiceIsNotFound() async throws {
        let key = TemplateFixtures.key()
        _ = try await store.put(key, source: "a", actor: TemplateFixtures.alice)
        _ = try await store.delete(key, actor: TemplateFixtures.alice)
        await #expect(throws: TemplateStoreError.notFound(key: key, version: nil)) {
            try await store.delete(key, actor: TemplateFixtures.alice)
        }
    }

    @Test func rollbackToADeletionIsRejected() async throws {
        let key = TemplateFixtures.key()
        _ = try await store.put(key, source: "a", actor: TemplateFixtures.alice)
        _ = try await store.delete(key, actor: TemplateFixtures.alice)
        _ = try await store.put(key, source: "b", actor: TemplateFixtures.alice)
        await #expect {
            try await store.rollback(key, to: 2, actor: TemplateFixtures.alice)
        } throws: { error in
            if case .rejected = error as? TemplateStoreError { return true }
            return false
        }
    }

    @Test func outputContentTypesThatAreNotHeaderSafeMediaTypesAreRejected() async throws {
        let key = TemplateFixtures.key()
        for bad in ["text/csv\r\nX-Injected: 1", "text", "text/csv; a=\u{0}"] {
            await #expect {
                try await store.put(key, source: "a", outputContentType: bad, actor: TemplateFixtures.alice)
            } throws: { error in
                if case .rejected(let message) = error as? TemplateStoreError { return message.contains("media type") }
                return false
            }
        }
        let stored = try await store.put(
            key, source: "a", outputContentType: "text/csv; charset=utf-8", actor: TemplateFixtures.alice)
        #expect(stored.outputContentType == "text/csv; charset=utf-8")
    }

    @Test func putAfterDeleteCreatesAgainAndContinuesNumbering() async throws {
        let key = TemplateFixtures.key()
        _ = try await store.put(key, source: "a", actor: TemplateFixtures.alice)
        _ = try await store.delete(key, actor: TemplateFixtures.alice)
        let again = try await store.put(key, source: "b", actor: TemplateFixtures.alice)
        #expect(again.version == 3)
        #expect(again.action == .create)
    }

    @Test func outputContentTypeCarriesOverWhenNotGiven() async throws {
        let key = TemplateFixtures.key()
        _ = try await store.put(key, source: "a", outputContentType: "text/csv", actor: TemplateFixtures.alice)
        let second = try await store.put(key, source: "b", actor: TemplateFixtures.alice)
        #expect(second.outputContentType == "text/csv")
    }

    @Test func everyChangeBumpsTheRevision() async throws {
        let key = TemplateFixtures.key()
        let start = try await store.revision()
        _ = try await store.put(key, source: "a", actor: TemplateFixtures.alice)
        _ = try await store.put(key, source: "b", actor: TemplateFixtures.alice)
        _ = try await store.rollback(key, to: 1, actor: TemplateFixtures.alice)
        _ = try await store.delete(key, actor: TemplateFixtures.alice)
        #expect(try await store.revision() == start + 4)
    }

    @Test func liveTemplatesHoldTheLatestLiveVersionOfEachKey() async throws {
        _ = try await store.put(TemplateFixtures.key(.request), source: "a", actor: TemplateFixtures.alice)
        _ = try await store.put(TemplateFixtures.key(.request), source: "b", actor: TemplateFixtures.alice)
        _ = try await store.put(TemplateFixtures.key(.response), source: "c", actor: TemplateFixtures.alice)
        _ = try await store.delete(TemplateFixtures.key(.response), actor: TemplateFixtures.alice)
        let live = try await store.liveTemplates().templates
        #expect(live.map(\.source) == ["b"])
        #expect(
            try await store.latestVersionNumbers() == [
                TemplateFixtures.key(.request): 2, TemplateFixtures.key(.response): 2,
            ])
    }

    @Test func auditRecordsChangesNewestFirst() async throws {
        let key = TemplateFixtures.key()
        _ = try await store.put(key, source: "a", actor: TemplateFixtures.alice)
        _ = try await store.put(key, source: "b", actor: TemplateFixtures.bob)
        _ = try await store.rollback(key, to: 1, actor: TemplateFixtures.alice)
        let audit = try await store.audit(endpoint: "demo")
        #expect(audit.map(\.action) == ["rollback", "update", "create"])
        #expect(audit.map(\.actor) == ["alice", "bob", "alice"])
        #expect(audit.first?.detail == "restored version 1")
        #expect(audit.first?.origin == "test")
        #expect(try await store.audit(endpoint: "other").isEmpty)
    }

    @Test func aSecondStoreOnTheSameFileSeesChanges() async throws {
        let other = try TemplateStore(stateDirectory: directory.url.appendingPathComponent("state"))
        _ = try await other.put(TemplateFixtures.key(), source: "from the other", actor: TemplateFixtures.bob)
        #expect(try await store.version(TemplateFixtures.key()).source == "from the other")
    }

    @Test func otherTablesInTheSameFileAreLeftAlone() async throws {
        try await #require(store.pool).write { db in
            try db.execute(sql: "CREATE TABLE api_key (id TEXT PRIMARY KEY)")
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('keys-v1')")
        }
        let reopened = try TemplateStore(stateDirectory: directory.url.appendingPathComponent("state"))
        _ = try await reopened.put(TemplateFixtures.key(), source: "a", actor: TemplateFixtures.alice)
        let tables = try await #require(reopened.pool).read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        }
        #expect(tables.contains("api_key"))
        #expect(tables.contains("template_version"))
    }
}
