import Foundation
import Logging
import TestSupport
import Testing

@testable import Gateway
@testable import InvocationCore

@Suite("Async invocations: retry policy, locations, store, configuration")
struct AsyncQueueTests {
    static let policy = AsyncRetryPolicy(maxAttempts: 3, retryDelay: .seconds(2))

    @Test func retriesUnavailableBackendsWithDoublingDelays() {
        let error = GatewayError.serviceUnavailable("down")
        #expect(Self.policy.decide(after: error, attempts: 1) == .retry(after: .seconds(2)))
        #expect(Self.policy.decide(after: error, attempts: 2) == .retry(after: .seconds(4)))
        #expect(Self.policy.decide(after: error, attempts: 3) == .fail)
    }

    @Test func retriesModelTimeoutsAndServerErrorsButNotClientErrors() {
        let timeout = GatewayError.modelError(endpoint: "e", variant: "v", status: 0, body: "timed out")
        let serverError = GatewayError.modelError(endpoint: "e", variant: "v", status: 500, body: "boom")
        let clientError = GatewayError.modelError(endpoint: "e", variant: "v", status: 400, body: "bad row")
        #expect(Self.policy.decide(after: timeout, attempts: 1) == .retry(after: .seconds(2)))
        #expect(Self.policy.decide(after: serverError, attempts: 1) == .retry(after: .seconds(2)))
        #expect(Self.policy.decide(after: clientError, attempts: 1) == .fail)
        #expect(Self.policy.decide(after: .validation("bad"), attempts: 1) == .fail)
    }

    static func inputDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "async-input-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("batch"), withIntermediateDirectories: true)
        return directory
    }

    @Test func resolvesFileURLsAndRelativePathsUnderTheInputDirectory() throws {
        let directory = try Self.inputDirectory()
        let location = AsyncLocation(inputDirectory: directory)
        let expected = location.inputDirectory.appendingPathComponent("batch/1.csv").path
        #expect(try location.resolve("file://\(directory.path)/batch/1.csv").path == expected)
        #expect(try location.resolve("batch/1.csv").path == expected)
        #expect(try location.resolve("\(directory.path)/batch/../batch/1.csv").path == expected)
    }

    @Test func rejectsLocationsOutsideTheInputDirectoryOrOnS3() throws {
        let location = AsyncLocation(inputDirectory: try Self.inputDirectory())
        #expect(throws: AsyncLocation.Rejection.self) { try location.resolve("file:///etc/passwd") }
        #expect(throws: AsyncLocation.Rejection.self) { try location.resolve("../../etc/passwd") }
        #expect(throws: AsyncLocation.Rejection.self) { try location.resolve("s3://bucket/input.csv") }
        #expect(throws: AsyncLocation.Rejection.self) { try location.resolve("file://host/input.csv") }
    }

    @Test func rejectsASymlinkLeadingOutOfTheInputDirectory() throws {
        let directory = try Self.inputDirectory()
        try FileManager.default.createSymbolicLink(
            at: directory.appendingPathComponent("escape"), withDestinationURL: URL(fileURLWithPath: "/etc"))
        let location = AsyncLocation(inputDirectory: directory)
        #expect(throws: AsyncLocation.Rejection.self) { try location.resolve("escape/passwd") }
    }

    @Test func inferenceIDsMayNotNameOtherFiles() throws {
        #expect(try AsyncInvocations.inferenceID("job-1.a") == "job-1.a")
        #expect(throws: GatewayError.self) { try AsyncInvocations.inferenceID("../x") }
        #expect(throws: GatewayError.self) { try AsyncInvocations.inferenceID(".hidden") }
        #expect(throws: GatewayError.self) { try AsyncInvocations.inferenceID(String(repeating: "a", count: 65)) }
        #expect(try AsyncInvocations.inferenceID(nil).count == 36)
    }

    static func job(_ id: String, createdAt: Double, notBefore: Double = 0) -> AsyncJob {
        AsyncJob(
            id: id, endpoint: "demo", inputPath: nil, inputBody: Data("1,2".utf8), contentType: "text/csv", accept: nil,
            customAttributes: nil, targetVariant: nil, outputPath: "/tmp/\(id).out",
            failurePath: "/tmp/\(id)-error.out",
            state: .queued, attempts: 0, createdAt: createdAt, expiresAt: createdAt + 60, notBefore: notBefore,
            finishedAt: nil, invocationTimeout: 30, variant: nil, error: nil)
    }

    static func store() throws -> AsyncJobStore {
        try AsyncJobStore(
            path: FileManager.default.temporaryDirectory.appendingPathComponent("async-\(UUID().uuidString).sqlite")
                .path)
    }

    @Test func claimsTheOldestDueJobOnce() async throws {
        let store = try Self.store()
        #expect(try await store.enqueue(Self.job("b", createdAt: 2)))
        #expect(try await store.enqueue(Self.job("a", createdAt: 1)))
        #expect(try await store.enqueue(Self.job("later", createdAt: 0, notBefore: 100)))
        let first = try await store.claim(now: 10)
        #expect(first?.id == "a")
        #expect(first?.state == .running)
        #expect(first?.attempts == 1)
        #expect(try await store.claim(now: 10)?.id == "b")
        #expect(try await store.claim(now: 10) == nil)
        #expect(try await store.claim(now: 100)?.id == "later")
    }

    @Test func refusesADuplicateInferenceID() async throws {
        let store = try Self.store()
        #expect(try await store.enqueue(Self.job("same", createdAt: 1)))
        #expect(try await store.enqueue(Self.job("same", createdAt: 2)) == false)
    }

    @Test func survivesReopeningAndRequeuesInterruptedJobs() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("async-\(UUID().uuidString).sqlite")
            .path
        do {
            let store = try AsyncJobStore(path: path)
            #expect(try await store.enqueue(Self.job("x", createdAt: 1)))
            #expect(try await store.claim(now: 5)?.id == "x")
        }
        let reopened = try AsyncJobStore(path: path)
        #expect(try await reopened.claim(now: 5) == nil)
        #expect(try await reopened.recoverInterrupted(now: 6) == 1)
        let again = try await reopened.claim(now: 6)
        #expect(again?.id == "x")
        #expect(again?.attempts == 2)
        #expect(again?.inputBody == Data("1,2".utf8))
    }

    @Test func recordsOutcomes() async throws {
        let store = try Self.store()
        #expect(try await store.enqueue(Self.job("done", createdAt: 1)))
        var job = try #require(try await store.claim(now: 5))
        job.state = .succeeded
        job.finishedAt = 7
        job.variant = "VariantA"
        try await store.update(job)
        let stored = try await store.job(id: "done")
        #expect(stored?.state == .succeeded)
        #expect(stored?.variant == "VariantA")
        #expect(try await store.counts()[.succeeded] == 1)
    }

    @Test func aJobPastItsRequestTTLExpiresWithoutCallingTheModel() async throws {
        let harness = try RouterHarness(RouterHarness.unreachableEndpoint())
        let store = try Self.store()
        let pool = AsyncWorkerPool(
            configuration: AsyncConfiguration(stateDirectory: FileManager.default.temporaryDirectory), store: store,
            pipeline: InvocationPipeline(runtime: harness.runtime, client: harness.client),
            logger: Logger(label: "test"))
        var job = Self.job("late-\(UUID().uuidString)", createdAt: 1)
        job.expiresAt = 2
        #expect(try await store.enqueue(job))
        let claimed = try #require(try await store.claim(now: 3))
        await pool.process(claimed, policy: Self.policy)
        let stored = try #require(try await store.job(id: job.id))
        #expect(stored.state == .expired)
        #expect(stored.attempts == 1)
        let failure = try String(contentsOfFile: job.failurePath, encoding: .utf8)
        #expect(failure.contains("TTL"))
        try? FileManager.default.removeItem(atPath: job.failurePath)
    }

    @Test func readsTheAsyncTable() throws {
        let configuration = try TestConfigurations.parse(
            """
            [server]
            state_dir = "/srv/state"

            [async]
            input_dir = "in"
            output_dir = "/data/out"
            workers = 8
            max_attempts = 5
            retry_delay = "250ms"
            request_ttl = "1h"
            invocation_timeout = "2m"
            max_input_bytes = 1000

            [[endpoint]]
            name = "demo"
            [[endpoint.variant]]
            name = "A"
            backends = ["http://127.0.0.1:9001"]
            """)
        let settings = try #require(configuration.asyncInvocations)
        #expect(settings.inputDirectory.path == "/tmp/mlgw/in")
        #expect(settings.outputDirectory.path == "/data/out")
        #expect(settings.failureDirectory.path == "/data/out/failure")
        #expect(settings.workers == 8)
        #expect(settings.maxAttempts == 5)
        #expect(settings.retryDelay == .milliseconds(250))
        #expect(settings.requestTTL == .seconds(3600))
        #expect(settings.invocationTimeout == .seconds(120))
        #expect(settings.maxInputBytes == 1000)
    }

    @Test func asyncIsOffWithoutItsTableAndDefaultsUnderTheStateDirectory() throws {
        let base = """
            [[endpoint]]
            name = "demo"
            [[endpoint.variant]]
            name = "A"
            backends = ["http://127.0.0.1:9001"]
            """
        #expect(try TestConfigurations.parse(base).asyncInvocations == nil)
        let settings = try #require(try TestConfigurations.parse("[async]\n" + base).asyncInvocations)
        #expect(settings.outputDirectory.path == "/tmp/mlgw/var/async/output")
        #expect(settings.workers == 4)
    }

    @Test func rejectsAnUnknownAsyncKeyAndATooLongTTL() {
        let base =
            "\n[[endpoint]]\nname = \"demo\"\n[[endpoint.variant]]\nname = \"A\"\nbackends = [\"http://127.0.0.1:9001\"]\n"
        #expect(TestConfigurations.error("[async]\nworker = 2\n" + base)?.key == "async.worker")
        #expect(TestConfigurations.error("[async]\nrequest_ttl = \"7h\"\n" + base)?.key == "async.request_ttl")
    }
}
