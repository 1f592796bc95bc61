extension VariantRuntime {
    /// The backend path of an invocation of `endpoint`: `/invocations`, or `/v2/models/{model}/infer` for an OIP
    /// variant (the model defaults to the endpoint's name); an `oip-grpc` variant is called over gRPC instead.
    package func invocationPath(endpoint: String) -> String {
        let options = configuration.protocolOptions
        guard options.backendProtocol == .oip else { return "/invocations" }
        return "/v2/models/\(InvocationPipeline.pathSegment(options.model ?? endpoint))/infer"
    }
}
