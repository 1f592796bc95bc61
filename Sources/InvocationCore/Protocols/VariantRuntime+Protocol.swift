extension VariantRuntime {
    /// The backend path of an invocation of `endpoint`: `/invocations`, or `/v2/models/{model}/infer` for an OIP
    /// variant (the model defaults to the endpoint's name).
    package func invocationPath(endpoint: String) -> String {
        let options = configuration.protocolOptions
        guard options.backendProtocol == .oip else { return "/invocations" }
        return "/v2/models/\(InvocationPipeline.pathSegment(options.model ?? endpoint))/infer"
    }
}

extension VariantRuntime {
    /// The health check path of its backends: `/ping`, or `/v2/health/ready` for an OIP variant.
    package var healthPath: String {
        configuration.protocolOptions.backendProtocol == .oip ? "/v2/health/ready" : "/ping"
    }
}
