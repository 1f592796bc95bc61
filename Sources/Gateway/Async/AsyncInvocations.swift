import Foundation
import HTTPTypes
import Hummingbird
import InvocationCore
import Logging
import NIOCore
import WireFormats

extension HTTPField.Name {
    /// `X-Amzn-SageMaker-InputLocation`: where an async invocation's input is.
    static let inputLocation = HTTPField.Name("X-Amzn-SageMaker-InputLocation")!
    /// `X-Amzn-SageMaker-OutputLocation`: where its result will be.
    static let outputLocation = HTTPField.Name("X-Amzn-SageMaker-OutputLocation")!
    /// `X-Amzn-SageMaker-FailureLocation`: where its failure will be.
    static let failureLocation = HTTPField.Name("X-Amzn-SageMaker-FailureLocation")!
    /// `X-Amzn-SageMaker-RequestTTLSeconds`: how long it may wait in the queue.
    static let requestTTLSeconds = HTTPField.Name("X-Amzn-SageMaker-RequestTTLSeconds")!
    /// `X-Amzn-SageMaker-InvocationTimeoutSeconds`: time allowed for the model call.
    static let invocationTimeoutSeconds = HTTPField.Name("X-Amzn-SageMaker-InvocationTimeoutSeconds")!
}

/// `POST /endpoints/{name}/async-invocations` (InvokeEndpointAsync) and `GET /admin/async/{InferenceId}`.
///
/// A request is validated, stored in the durable queue and answered 202 at once; ``AsyncWorkerPool`` runs it later
/// through the invocation pipeline and writes the model's answer to the output location (or the error to the
/// failure location).
struct AsyncInvocations: Sendable {
    let configuration: AsyncConfiguration
    let store: AsyncJobStore
    let runtime: GatewayRuntime
    let location: AsyncLocation
    /// Tells the worker pool that work was queued.
    let wake: @Sendable () -> Void

    init(
        configuration: AsyncConfiguration, store: AsyncJobStore, runtime: GatewayRuntime,
        wake: @escaping @Sendable () -> Void
    ) {
        self.configuration = configuration
        self.store = store
        self.runtime = runtime
        self.location = AsyncLocation(inputDirectory: configuration.inputDirectory)
        self.wake = wake
    }

    /// Registers the client and admin routes.
    func addRoutes(client: Router<GatewayRequestContext>, admin: Router<GatewayRequestContext>) {
        client.post("endpoints/:name/async-invocations") { request, context in
            try await submit(request, endpointName: try ClientAPI.endpointName(context), context: context)
        }
        let runtime = self.runtime
        admin.group("admin").add(middleware: AdminTokenMiddleware(runtime: runtime))
            .get("async/:id") { _, context in
                try await status(of: try context.segment("id"))
            }
    }

    /// Validates and queues one async invocation; answers 202 with its `InferenceId` and locations.
    func submit(_ request: Request, endpointName: String, context: GatewayRequestContext) async throws -> Response {
        let snapshot = runtime.current
        guard let endpoint = snapshot.endpoints[endpointName] else {
            throw GatewayError.unknownEndpoint(endpointName, account: snapshot.configuration.server.accountID)
        }
        let authentication = try await InvocationPipeline.authenticate(
            request.head, endpoint: endpoint.configuration, runtime: runtime)
        let headers = request.headers
        let id = try Self.inferenceID(headers[.inferenceID])
        if let attributes = headers[.customAttributes], attributes.count > 1024 {
            throw GatewayError.validation(
                "X-Amzn-SageMaker-Custom-Attributes is \(attributes.count) characters long; the limit is 1024.")
        }
        let ttl =
            try Self.seconds(headers[.requestTTLSeconds], name: "RequestTTLSeconds", range: 60...21600)
            ?? Double(configuration.requestTTL.components.seconds)
        let timeout =
            try Self.seconds(headers[.invocationTimeoutSeconds], name: "InvocationTimeoutSeconds", range: 1...3600)
            ?? Double(configuration.invocationTimeout.components.seconds)
        var inputPath: String?
        var inputBody: Data?
        if let input = headers[.inputLocation], let object = try Self.objectLocation(input) {
            guard runtime.configuration.objectStore != nil else {
                throw GatewayError.validation(
                    "InputLocation \(input) is in an object store, and this gateway has no [object_store] configured.")
            }
            inputPath = object.description
        } else if let input = headers[.inputLocation] {
            inputPath = try checkInput(input)
        } else {
            inputBody = try await readInlineBody(request)
        }
        _ = try await authentication.complete(body: ByteBuffer(bytes: inputBody ?? Data()))
        let now = Date().timeIntervalSince1970
        let output =
            configuration.outputLocation?.appending("\(id).out").description
            ?? configuration.outputDirectory.appendingPathComponent("\(id).out").path
        let failure =
            configuration.failureLocation?.appending("\(id)-error.out").description
            ?? configuration.failureDirectory.appendingPathComponent("\(id)-error.out").path
        let job = AsyncJob(
            id: id, endpoint: endpointName, inputPath: inputPath, inputBody: inputBody,
            contentType: headers[.sageMakerContentType] ?? headers[.contentType],
            accept: headers[.sageMakerAccept] ?? headers[.accept], customAttributes: headers[.customAttributes],
            targetVariant: headers[.targetVariant], outputPath: output, failurePath: failure, state: .queued,
            attempts: 0, createdAt: now, expiresAt: now + ttl, notBefore: now, finishedAt: nil,
            invocationTimeout: timeout, variant: nil, error: nil)
        guard try await store.enqueue(job) else {
            throw GatewayError.validation("InferenceId \(id) has already been used.")
        }
        AsyncMetrics.submitted(endpoint: endpointName)
        wake()
        context.logger.debug(
            "Async invocation queued", metadata: ["inference_id": "\(id)", "endpoint": "\(endpointName)"])
        var answer = HTTPFields()
        answer[.contentType] = "application/json"
        answer[.outputLocation] = AsyncJob.uri(output)
        answer[.failureLocation] = AsyncJob.uri(failure)
        return Response(
            status: .accepted, headers: answer,
            body: .init(byteBuffer: ByteBuffer(string: "{\"InferenceId\":\(JSONText.quoted(id))}")))
    }

    /// `GET /admin/async/{InferenceId}`: the job's state, attempts, locations and last error.
    func status(of id: String) async throws -> Response {
        guard let job = try await store.job(id: id) else {
            throw GatewayError(
                code: .resourceNotFound, status: .notFound, message: "No async invocation with InferenceId \(id).")
        }
        var fields = [
            "\"InferenceId\":\(JSONText.quoted(job.id))", "\"EndpointName\":\(JSONText.quoted(job.endpoint))",
            "\"Status\":\"\(job.state.rawValue)\"", "\"Attempts\":\(job.attempts)",
            "\"CreationTime\":\(job.createdAt)", "\"ExpirationTime\":\(job.expiresAt)",
            "\"OutputLocation\":\(JSONText.quoted(AsyncJob.uri(job.outputPath)))",
            "\"FailureLocation\":\(JSONText.quoted(AsyncJob.uri(job.failurePath)))",
        ]
        if let finished = job.finishedAt { fields.append("\"CompletionTime\":\(finished)") }
        if let variant = job.variant { fields.append("\"InvokedProductionVariant\":\(JSONText.quoted(variant))") }
        if let error = job.error { fields.append("\"FailureReason\":\(JSONText.quoted(error))") }
        return HealthAPI.json(status: .ok, "{\(fields.joined(separator: ","))}")
    }

    /// The object an `s3://` input location names; nil for other locations.
    static func objectLocation(_ input: String) throws(GatewayError) -> S3Location? {
        do {
            return try S3Location(parsing: input)
        } catch {
            throw .validation("InputLocation \(error.message)")
        }
    }

    private func checkInput(_ input: String) throws(GatewayError) -> String {
        let url: URL
        do {
            url = try location.resolve(input)
        } catch {
            throw .validation(error.description)
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        guard let size = (attributes?[.size] as? NSNumber)?.intValue,
            attributes?[.type] as? FileAttributeType == .typeRegular
        else {
            throw .validation("InputLocation \(input) does not name a readable file.")
        }
        guard size <= configuration.maxInputBytes else {
            throw .validation(
                "InputLocation \(input) holds \(size) bytes; the limit is \(configuration.maxInputBytes).")
        }
        return url.path
    }

    private func readInlineBody(_ request: Request) async throws(GatewayError) -> Data {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: configuration.maxInputBytes)
        } catch {
            throw .validation("Request body exceeds the limit of \(configuration.maxInputBytes) bytes.")
        }
        guard body.readableBytes > 0 else {
            throw .validation("X-Amzn-SageMaker-InputLocation is required (or send the payload as the request body).")
        }
        return Data(body.readableBytesView)
    }

    /// The client's inference id, or a new UUID; it names files, so it may not contain `/` or start with `.`.
    static func inferenceID(_ header: String?) throws(GatewayError) -> String {
        guard let header else { return UUID().uuidString.lowercased() }
        guard (1...64).contains(header.count), !header.hasPrefix("."),
            header.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "/" && $0 != "\\" })
        else {
            throw .validation(
                "X-Amzn-SageMaker-Inference-Id must be 1 to 64 printable characters without '/' or a leading '.'.")
        }
        return header
    }

    static func seconds(_ header: String?, name: String, range: ClosedRange<Int>) throws(GatewayError) -> Double? {
        guard let header else { return nil }
        guard let value = Int(header), range.contains(value) else {
            throw .validation(
                "X-Amzn-SageMaker-\(name) must be an integer from \(range.lowerBound) to \(range.upperBound).")
        }
        return Double(value)
    }
}

extension AsyncWorkerPool {
    /// When `[async]` is configured: opens the queue (in `state_dir/mlgateway.sqlite`, or the fleet's PostgreSQL
    /// with `[state]`), registers the client and admin
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
        let store =
            if let stateStore = runtime.stateStore {
                AsyncJobStore(postgres: stateStore)
            } else {
                try AsyncJobStore(path: stateDirectory.appendingPathComponent("mlgateway.sqlite").path)
            }
        var poolLogger = logger
        poolLogger[metadataKey: "component"] = "async"
        let pool = AsyncWorkerPool(
            configuration: settings, store: store,
            objectStore: configuration.objectStore.map { ObjectStoreClient(configuration: $0) },
            pipeline: pipeline, logger: poolLogger)
        AsyncInvocations(configuration: settings, store: store, runtime: runtime, wake: pool.wake)
            .addRoutes(client: client, admin: admin)
        return pool
    }
}
