import Foundation

/// OpenTelemetry tracing (`[tracing]`); absent, nothing is traced and nothing costs anything.
public struct TracingConfiguration: Sendable, Equatable {
    /// How spans are exported.
    public enum ExportProtocol: String, Sendable, Equatable, CaseIterable {
        /// OTLP over HTTP with protobuf bodies, the protocol's default: spans go to `/v1/traces` under the endpoint.
        case httpProtobuf = "http/protobuf"
        /// OTLP over gRPC (`opentelemetry.proto.collector.trace.v1.TraceService/Export`) at the endpoint.
        case grpc
    }

    /// The collector's base URL (`otlp_endpoint`), such as `http://127.0.0.1:4318`.
    public var otlpEndpoint: String
    /// `protocol`, default `http/protobuf`.
    public var exportProtocol: ExportProtocol = .httpProtobuf
    /// The share of requests traced when the client's `traceparent` does not decide (`sample_ratio`, 0 to 1, default
    /// 1): a client's sampled flag is followed either way, so a trace is whole or absent.
    public var sampleRatio: Double = 1
    /// `service.name` of the spans (`service_name`, default `mlgateway`).
    public var serviceName = "mlgateway"

    public init(otlpEndpoint: String) {
        self.otlpEndpoint = otlpEndpoint
    }

    /// The URL spans are sent to: `/v1/traces` under the endpoint for OTLP/HTTP, the endpoint itself for gRPC.
    public var exportURL: String {
        guard exportProtocol == .httpProtobuf else { return otlpEndpoint }
        var base = otlpEndpoint
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/v1/traces"
    }
}

extension TracingConfiguration {
    package init(reading table: inout ConfigTable) throws(ConfigurationError) {
        let endpoint = try table.requiredString("otlp_endpoint")
        guard let url = URL(string: endpoint), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw table.error("otlp_endpoint", "must be an http(s)://host:port URL, such as \"http://127.0.0.1:4318\"")
        }
        self.init(otlpEndpoint: endpoint)
        if let text = try table.string("protocol") {
            guard let value = ExportProtocol(rawValue: text) else {
                throw table.error(
                    "protocol",
                    "must be one of \(ExportProtocol.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
            }
            exportProtocol = value
        }
        if let ratio = try table.double("sample_ratio", range: 0...1) { sampleRatio = ratio }
        if let name = try table.string("service_name") {
            guard !name.isEmpty else { throw table.error("service_name", "must not be empty") }
            serviceName = name
        }
    }
}
