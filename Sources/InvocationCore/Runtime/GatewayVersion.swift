/// The gateway's version, as `mlgateway --version` prints it and the Open Inference server metadata (`GET /v2`)
/// reports it.
public enum GatewayVersion {
    public static let current = "0.9.0"
}
