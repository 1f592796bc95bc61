import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Works the async queue with at most `workers` invocations at a time; runs until graceful shutdown.
///
/// A dispatcher claims due jobs whenever a job is queued, a worker finishes, or a tick passes (for retry times and
/// TTLs), and runs each through the invocation pipeline (read, enrich, choose a variant, call it with the job's
/// invocation timeout). On shutdown it stops claiming and lets running jobs finish; a job cut off by the process
/// ending is queued again at the next start.
struct AsyncWorkerPool: Service {
    /// Why the dispatcher looks at the queue.
    enum Event: Sendable {
        case enqueued, finished, tick
    }

    let configuration: AsyncConfiguration
    let store: AsyncJobStore
    let pipeline: InvocationPipeline
    let events: AsyncStream<Event>
    let continuation: AsyncStream<Event>.Continuation
    let logger: Logger
    /// How often due retries and expired TTLs are looked for when nothing else happens.
    var tickInterval: Duration = .milliseconds(500)

    init(configuration: AsyncConfiguration, store: AsyncJobStore, pipeline: InvocationPipeline, logger: Logger) {
        self.configuration = configuration
        self.store = store
        self.pipeline = pipeline
        self.logger = logger
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self)
        self.events = stream
        self.continuation = continuation
    }

    /// Wakes the dispatcher (a job was queued).
    @Sendable func wake() { continuation.yield(.enqueued) }

    func run() async throws {
        for directory in [configuration.outputDirectory, configuration.failureDirectory] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        let recovered = try await store.recoverInterrupted(now: Date().timeIntervalSince1970)
        if recovered > 0 { logger.info("Async invocations queued again after a restart", metadata: ["count": "\(recovered)"]) }
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
    func process(_ job: AsyncJob, policy: AsyncRetryPolicy) async {
        var job = job
        var jobLogger = logger
        jobLogger[metadataKey: "inference_id"] = "\(job.id)"
        let now = Date().timeIntervalSince1970
        if now > job.expiresAt {
            await finish(&job, state: .expired, error: .validation("The request TTL passed before the invocation could run."), logger: jobLogger)
            return
        }
        do {
            let result = try await invoke(job, logger: jobLogger)
            job.variant = result.variant.name
            try Data(result.body.readableBytesView).write(to: URL(fileURLWithPath: job.outputPath), options: .atomic)
            await finish(&job, state: .succeeded, error: nil, logger: jobLogger)
        } catch is CancellationError {
            job.state = .queued
            job.attempts -= 1
            await save(job, logger: jobLogger)
        } catch {
            let failure: GatewayError
            if let variantFailure = error as? VariantFailure {
                job.variant = variantFailure.variant.name
                failure = variantFailure.error
            } else if let gatewayError = error as? GatewayError {
                failure = gatewayError
            } else {
                failure = .internalFailure("The async invocation failed: \(error)")
            }
            switch policy.decide(after: failure, attempts: job.attempts) {
            case .retry(let delay):
                job.state = .queued
                job.error = failure.message
                job.notBefore = Date().timeIntervalSince1970 + Double(delay.nanosecondCount) / 1e9
                AsyncMetrics.retried(endpoint: job.endpoint)
                jobLogger.info("Async invocation will be retried", metadata: ["error": "\(failure.message)", "attempts": "\(job.attempts)"])
                await save(job, logger: jobLogger)
            case .fail:
                await finish(&job, state: .failed, error: failure, logger: jobLogger)
            }
        }
    }

    /// One pass down the invocation pipeline for `job`.
    private func invoke(_ job: AsyncJob, logger: Logger) async throws -> InvocationResult {
        let snapshot = pipeline.runtime.current
        guard let endpoint = snapshot.endpoints[job.endpoint] else {
            throw GatewayError.validation("Endpoint \(job.endpoint) is no longer configured.")
        }
        let body: ByteBuffer
        if let path = job.inputPath {
            do {
                body = ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                throw GatewayError.validation("The input \(path) could not be read: \(error.localizedDescription)")
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
        let request = Request(
            head: HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/endpoints/\(job.endpoint)/async-invocations", headerFields: fields),
            body: RequestBody(buffer: body))
        var server = snapshot.configuration.server
        server.maxBodyBytes = configuration.maxInputBytes
        let start = ContinuousClock.now
        do {
            var invocation = try await pipeline.readInvocation(request, endpoint: endpoint, server: server, requestID: job.id)
            try await pipeline.enrich(&invocation, request: request)
            let variant = try pipeline.chooseVariant(for: invocation)
            let result = try await pipeline.call(
                variant, with: invocation, logger: logger, timeout: .milliseconds(Int64(job.invocationTimeout * 1000)))
            variant.metrics.recordSuccess(start: start, modelLatency: result.modelLatency)
            return result
        } catch let failure as VariantFailure {
            failure.variant.metrics.recordFailure(failure.error)
            throw failure
        } catch let error as GatewayError {
            endpoint.unroutedMetrics.record(status: Int(error.status.code))
            throw error
        }
    }

    private func finish(_ job: inout AsyncJob, state: AsyncJob.State, error: GatewayError?, logger: Logger) async {
        job.state = state
        job.finishedAt = Date().timeIntervalSince1970
        job.error = error?.message
        if let error {
            do {
                try Data(error.body.utf8).write(to: URL(fileURLWithPath: job.failurePath), options: .atomic)
            } catch {
                logger.error("Async failure could not be written", metadata: ["path": "\(job.failurePath)", "error": "\(error)"])
            }
            logger.info("Async invocation failed", metadata: ["state": "\(state.rawValue)", "error": "\(error.message)"])
        }
        AsyncMetrics.finished(endpoint: job.endpoint, state: state)
        await save(job, logger: logger)
    }

    private func save(_ job: AsyncJob, logger: Logger) async {
        do {
            try await store.update(job)
        } catch {
            logger.error("Async job state could not be saved", metadata: ["error": "\(error)"])
        }
    }
}

extension AsyncWorkerPool {
    /// When `[async]` is configured: opens the queue in `state_dir/mlgateway.sqlite`, registers the client and admin
    /// routes, and returns the pool to run as a service. Otherwise returns nil, and `async-invocations` answers 400
    /// `ValidationError` saying that the operation is not enabled.
    static func setUp(
        runtime: GatewayRuntime, pipeline: InvocationPipeline, client: Router<GatewayRequestContext>,
        admin: Router<GatewayRequestContext>, logger: Logger
    ) throws -> AsyncWorkerPool? {
        let configuration = runtime.configuration
        guard let settings = configuration.asyncInvocations else {
            client.post("endpoints/:name/async-invocations") { _, _ -> Response in
                throw GatewayError.validation(
                    "InvokeEndpointAsync is not enabled on this gateway; add an [async] table to its configuration.")
            }
            return nil
        }
        let stateDirectory = configuration.server.stateDirectory
        try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        let store = try AsyncJobStore(path: stateDirectory.appendingPathComponent("mlgateway.sqlite").path)
        var poolLogger = logger
        poolLogger[metadataKey: "component"] = "async"
        let pool = AsyncWorkerPool(configuration: settings, store: store, pipeline: pipeline, logger: poolLogger)
        AsyncInvocations(configuration: settings, store: store, runtime: runtime, wake: pool.wake)
            .addRoutes(client: client, admin: admin)
        return pool
    }
}
