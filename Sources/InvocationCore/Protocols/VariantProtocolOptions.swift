/// How a variant's backends are called: which protocol they speak and whether they host many models.
public struct VariantProtocolOptions: Sendable, Equatable {
    /// The API a model server speaks (`protocol`).
    public enum BackendProtocol: String, Sendable, Equatable, CaseIterable {
        /// The SageMaker container contract: `POST /invocations`, `GET /ping`.
        case sagemaker
        /// The Open Inference Protocol (KServe v2): `POST /v2/models/{model}/infer`, `GET /v2/health/ready`.
        case oip
        /// The Open Inference Protocol over gRPC: `inference.GRPCInferenceService`'s `ModelInfer`, health from
        /// `ServerReady`; the REST form of a request is converted to protobuf and the answer back.
        case oipGRPC = "oip-grpc"

        /// Whether the model server speaks the Open Inference Protocol, over REST or gRPC.
        public var isOpenInference: Bool { self != .sagemaker }
    }

    /// What a request meets while its model is being loaded on a multi-model backend (`model_not_ready`).
    public enum ModelNotReadyPolicy: String, Sendable, Equatable, CaseIterable {
        /// Wait for the load, then invoke (a cold start).
        case wait
        /// Answer 429 `ModelNotReadyException` until the model is loaded (the first request starts the load).
        case reject
    }

    /// `protocol`, default `sagemaker`.
    public var backendProtocol: BackendProtocol = .sagemaker
    /// `model`: the model name on an OIP backend; default the endpoint's name.
    public var model: String?
    /// `multi_model`: the request's `X-Amzn-SageMaker-Target-Model` selects the model (SageMaker multi-model API).
    public var multiModel = false
    /// `model_not_ready`, default `wait`.
    public var modelNotReady: ModelNotReadyPolicy = .wait
    /// `model_url_prefix`: the `url` sent to `POST /models` is this prefix, `/`, and the target model.
    public var modelURLPrefix = "/opt/ml/models"

    /// Creates the defaults: a single-model SageMaker container.
    public init() {}
}

extension VariantProtocolOptions {
    /// Reads `protocol`, `model`, `multi_model`, `model_not_ready` and `model_url_prefix` of a variant table.
    package init(reading table: inout ConfigTable) throws(ConfigurationError) {
        self.init()
        if let text = try table.string("protocol") {
            guard let value = BackendProtocol(rawValue: text) else {
                throw table.error(
                    "protocol",
                    "must be one of \(BackendProtocol.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
            }
            backendProtocol = value
        }
        if let name = try table.string("model") {
            guard !name.isEmpty, !name.contains("/") else {
                throw table.error("model", "must be a non-empty name without '/'")
            }
            model = name
        }
        multiModel = try table.bool("multi_model") ?? false
        if let text = try table.string("model_not_ready") {
            guard let value = ModelNotReadyPolicy(rawValue: text) else {
                throw table.error(
                    "model_not_ready",
                    "must be one of \(ModelNotReadyPolicy.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))"
                )
            }
            modelNotReady = value
        }
        if let prefix = try table.string("model_url_prefix") { modelURLPrefix = prefix }
        if multiModel, backendProtocol.isOpenInference {
            throw table.error(
                "multi_model", "is for SageMaker multi-model containers; an OIP backend names its models with `model`")
        }
    }
}
