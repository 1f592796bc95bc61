import Foundation
import HTTPTypes
import Logging
import NIOCore
import ServiceLifecycle

/// Works the async queue with at most `workers` invocations at a time; runs until graceful shutdown.
///
/// A dispatcher claims due jobs whenever a job is queued, a worker finishes, or a tick passes (for retry times and
/// TTLs), and runs each through the invocation pipeline (read, enrich, choose a variant, call it with the job's
/// invocation timeout). On shutdown it stops claiming and lets running jobs finish; a job cut off by the process
/// ending is queued again at the next start.
package struct AsyncWorkerPool: Service {
    /// Why the dispatcher looks at the queue.
    package enum Event: Sendable {
        case enqueued, finished, tick
    }

    package let configuration: AsyncConfiguration
    package let store: AsyncJobStore
    /// The object store `s3://` locations are read from and written to.
    package let objectStore: ObjectStoreClient?
    package let pipeline: InvocationPipeline
    package let events: AsyncStream<Event>
    package let continuation: AsyncStream<Event>.Continuation
    package let logger: Logger
    /// How often due retries and expired TTLs are looked for when nothing else happens.
    package var tickInterval: Duration = .milliseconds(500)

    package init(
        configuration: AsyncConfiguration, store: AsyncJobStore, objectStore: ObjectStoreClient? = nil,
        pipeline: InvocationPipeline, logger: Logger
    ) {
        self.configuration = configuration
        self.store = store
        self.objectStore = objectStore
        self.pipeline = pipeline
        self.logger = logger
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self)
        self.events = stream
        self.continuation = continuation
    }

    /// Wakes the dispatcher (a job was queued).
    @Sendable package func wake() { continuation.yield(.enqueued) }

    package func run() async throws {
        for directory in [configuration.outputDirectory, configuration.failureDirectory] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        let recovered = try await store.recoverInterrupted(now: Date().timeIntervalSince1970)
        if recovered > 0 {
            logger.info("Async invocations queued again after a restart", metadata: ["count": "\(recovered)"])
        }
        let policy = AsyncRetryPolicy(maxAttempts: configuration.maxAttempts, retryDelay: configuration.retryDelay)
        await withDiscardingTaskGroup { group in
            group.addTask {
                while !Task.isShuttingDownGracefully, !Task.isCancelled {
                    try? await Task.sleep(for: tickInterval)
                    continuation.yield(.tick)
                }
                continuation.finish()
            }
            var running = 0
            continuation.yield(.tick)
            for await event in events {
                if case .finished = event { running -= 1 }
                guard !Task.isShuttingDownGracefully else { continue }
                while running < configuration.workers {
                    let job: AsyncJob?
                    do {
                        job = try await store.claim(now: Date().timeIntervalSince1970)
                    } catch {
                        logger.error("Async queue could not be read", metadata: ["error": "\(error)"])
                        break
                    }
                    guard let job else { break }
                    running += 1
                    group.addTask {
                        await process(job, policy: policy)
                        continuation.yield(.finished)
                    }
                }
            }
        }
    }

    /// Runs one attempt of `job` and records its outcome.
    package func process(_ job: AsyncJob, policy: AsyncRetryPolicy) async {
        var job = job
        var jobLogger = logger
        jobLogger[metadataKey: "inference_id"] = "\(job.id)"
        let now = Date().timeIntervalSince1970
        if now > job.expiresAt {
            await finish(
                &job, state: .expired, error: .validation("The request TTL passed before the invocation could run."),
                logger: jobLogger)
            return
        }
        let outcome = await withLeaseRenewed(job) { await invoke(job) }
        if case .failure = outcome, Task.isCancelled {
            job.state = .queued
            job.attempts -= 1
            await save(job, logger: jobLogger)
            return
        }
        let failure: GatewayError
        switch outcome {
        case .success(let result):
            job.variant = result.variant.name
            do {
                try await write(result.body, to: job.outputPath, contentType: result.contentType)
                await finish(&job, state: .succeeded, error: nil, logger: jobLogger)
                return
            } catch {
                failure = .internalFailure("The async invocation's result could not be written: \(error)")
            }
        case .failure(let invocationFailure):
            if let variant = invocationFailure.variant { job.variant = variant }
            failure = invocationFailure.error
        }
        switch policy.decide(after: failure, attempts: job.attempts) {
        case .retry(let delay):
            job.state = .queued
            job.error = failure.message
            job.notBefore = Date().timeIntervalSince1970 + Double(delay.nanosecondCount) / 1e9
            AsyncMetrics.retried(endpoint: job.endpoint)
            jobLogger.info(
                "Async invocation will be retried",
                metadata: ["error": "\(failure.message)", "attempts": "\(job.attempts)"])
            await save(job, logger: jobLogger)
        case .fail:
            await finish(&job, state: .failed, error: failure, logger: jobLogger)
        }
    }

    /// One pass down the invocation pipeline for `job`: every stage after authentication, which was done when the
    /// job was accepted, with the queue's input limit and the job's timeout.
    private func invoke(_ job: AsyncJob) async -> InvocationOutcome {
        let body: ByteBuffer
        if let path = job.inputPath, let object = try? S3Location(parsing: path) {
            guard let objectStore else {
                return .failure(InvocationFailure(error: .validation("The gateway has no [object_store] for \(path).")))
            }
            do {
                body = try await objectStore.get(object, maxBytes: configuration.maxInputBytes)
            } catch {
                return .failure(InvocationFailure(error: .validation("The input could not be read: \(error.message)")))
            }
        } else if let path = job.inputPath {
            do {
                body = ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                return .failure(
                    InvocationFailure(
                        error: .validation("The input \(path) could not be read: \(error.localizedDescription)")))
            }
        } else {
            body = ByteBuffer(bytes: job.inputBody ?? Data())
        }
        var fields = HTTPFields()
        if let value = job.contentType { fields[.contentType] = value }
        if let value = job.accept { fields[.accept] = value }
        if let value = job.customAttributes { fields[.customAttributes] = value }
        if let value = job.targetVariant { fields[.targetVariant] = value }
        fields[.inferenceID] = job.id
        let request = InvocationRequest(
            head: HTTPRequest(
                method: .post, scheme: nil, authority: nil, path: "/endpoints/\(job.endpoint)/async-invocations",
                headerFields: fields),
            endpointName: job.endpoint, body: .complete(body), remoteAddress: nil, requestID: job.id,
            receivedAt: .now)
        let options = InvocationOptions(
            maxBodyBytes: configuration.maxInputBytes, timeout: .milliseconds(Int64(job.invocationTimeout * 1000)),
            authenticated: true)
        return await pipeline.invoke(request, options: options)
    }

    private func finish(_ job: inout AsyncJob, state: AsyncJob.State, error: GatewayError?, logger: Logger) async {
        job.state = state
        job.finishedAt = Date().timeIntervalSince1970
        job.error = error?.message
        if let error {
            do {
                try await write(ByteBuffer(string: error.body), to: job.failurePath, contentType: "application/json")
            } catch {
                logger.error(
                    "Async failure could not be written", metadata: ["path": "\(job.failurePath)", "error": "\(error)"])
            }
            logger.info(
                "Async invocation failed", metadata: ["state": "\(state.rawValue)", "error": "\(error.message)"])
        }
        AsyncMetrics.finished(endpoint: job.endpoint, state: state)
        await save(job, logger: logger)
    }

    /// Writes `body` to a file path or an `s3://` location.
    private func write(_ body: ByteBuffer, to path: String, contentType: String?) async throws {
        if let object = try S3Location(parsing: path) {
            guard let objectStore else { throw ObjectStoreError("The gateway has no [object_store] for \(path).") }
            try await objectStore.put(object, body: body, contentType: contentType)
        } else {
            try Data(body.readableBytesView).write(to: URL(fileURLWithPath: path), options: .atomic)
        }
    }

    /// Runs `body` while renewing the job's lease (PostgreSQL), so that no other replica takes a job that is running.
    private func withLeaseRenewed<T: Sendable>(_ job: AsyncJob, _ body: () async -> T) async -> T {
        guard store.usesLeases else { return await body() }
        let store = store
        let logger = logger
        let renewal = Task {
            while (try? await Task.sleep(for: .seconds(AsyncJobStore.lease / 3))) != nil {
                do {
                    try await store.renewLease(id: job.id, now: Date().timeIntervalSince1970)
                } catch {
                    logger.warning("Async job lease could not be renewed", metadata: ["error": "\(error)"])
                }
            }
        }
        defer { renewal.cancel() }
        return await body()
    }

    private func save(_ job: AsyncJob, logger: Logger) async {
        do {
            try await store.update(job)
        } catch {
            logger.error("Async job state could not be saved", metadata: ["error": "\(error)"])
        }
    }
}
