import Foundation
import Testing

@testable import InvocationCore

@Suite("Tracing configuration and sampling")
struct TracingTests {
    static let endpoint =
        "\n[[endpoint]]\nname = \"demo\"\n[[endpoint.variant]]\nname = \"A\"\nbackends = [\"http://127.0.0.1:9001\"]\n"

    @Test func absentTracesNothingAndTheTableReadsEveryKey() throws {
        #expect(try TestConfigurations.parse(Self.endpoint).tracing == nil)
        let tracing = try #require(
            try TestConfigurations.parse(
                """
                [tracing]
                otlp_endpoint = "http://127.0.0.1:4318/"
                sample_ratio = 0.01
                service_name = "edge"
                """ + Self.endpoint
            ).tracing)
        #expect(tracing.sampleRatio == 0.01 && tracing.serviceName == "edge" && tracing.exportProtocol == .httpProtobuf)
        #expect(tracing.exportURL == "http://127.0.0.1:4318/v1/traces")
        let grpc = try #require(
            try TestConfigurations.parse(
                "[tracing]\notlp_endpoint = \"http://collector:4317\"\nprotocol = \"grpc\"\n" + Self.endpoint
            ).tracing)
        #expect(grpc.exportProtocol == .grpc && grpc.exportURL == "http://collector:4317" && grpc.sampleRatio == 1)
    }

    @Test func errorsNameTheKey() {
        for (table, key) in [
            ("[tracing]\nsample_ratio = 0.5\n", "tracing.otlp_endpoint"),
            ("[tracing]\notlp_endpoint = \"collector:4318\"\n", "tracing.otlp_endpoint"),
            ("[tracing]\notlp_endpoint = \"http://c:4318\"\nsample_ratio = 2\n", "tracing.sample_ratio"),
            ("[tracing]\notlp_endpoint = \"http://c:4318\"\nprotocol = \"http/json\"\n", "tracing.protocol"),
            ("[tracing]\notlp_endpoint = \"http://c:4318\"\nratio = 1\n", "tracing.ratio"),
        ] {
            #expect(TestConfigurations.error(table + Self.endpoint)?.key == key, "\(table)")
        }
    }

    @Test func theClientsSampledFlagDecides() {
        let trace = "4bf92f3577b34da6a3ce929d0e0e4736"
        let span = "00f067aa0ba902b7"
        #expect(InvocationTracing.sampledFlag(of: "00-\(trace)-\(span)-01") == true)
        #expect(InvocationTracing.sampledFlag(of: "00-\(trace)-\(span)-00") == false)
        #expect(InvocationTracing.sampledFlag(of: "00-\(trace)-\(span)-03") == true)
        for invalid in [
            "", "00-\(trace)-\(span)", "00-\(trace)-\(span)-0", "00-\(String(repeating: "0", count: 32))-\(span)-01",
            "00-\(trace)-0000000000000000-01", "00-\(trace)x-\(span)-01",
            "00-\(trace.uppercased().dropLast())g-\(span)-01",
        ] {
            #expect(InvocationTracing.sampledFlag(of: invalid) == nil, "\(invalid)")
        }
    }

    @Test func spansAreNamedByRouteTemplates() {
        #expect(InvocationTracing.route(of: "/endpoints/churn/invocations") == "/endpoints/{EndpointName}/invocations")
        #expect(
            InvocationTracing.route(of: "/endpoints/churn/invocations-response-stream")
                == "/endpoints/{EndpointName}/invocations-response-stream")
        #expect(
            InvocationTracing.route(of: "/endpoints/churn/async-invocations")
                == "/endpoints/{EndpointName}/async-invocations")
        #expect(InvocationTracing.route(of: "/v2/models/iris/infer") == "/v2/models/{model}/infer")
        #expect(
            InvocationTracing.route(of: "/v2/models/iris/versions/A/infer")
                == "/v2/models/{model}/versions/{version}/infer")
    }
}

@Suite("JSON access log")
struct AccessLogLineTests {
    @Test func theLineIsOneJSONObjectWithItsNewline() throws {
        var line = AccessLogLine(
            requestID: "r-1", method: "POST", path: "/endpoints/a/invocations", status: 424,
            duration: .microseconds(1_234_567))
        line.endpoint = "a"
        line.errorCode = "ModelError"
        line.keyID = "k\"1"
        line.stages = [("authenticate", .microseconds(12)), ("call model", .milliseconds(1_200))]
        let text = String(decoding: line.json(at: Date(timeIntervalSince1970: 1_765_000_000.042)), as: UTF8.self)
        #expect(
            text
                == #"{"time":"2025-12-06T05:46:40.042Z","request_id":"r-1","method":"POST","#
                + #""path":"/endpoints/a/invocations","endpoint":"a","status":424,"error_code":"ModelError","#
                + #""key_id":"k\"1","duration_ms":1234.567,"stages_ms":{"authenticate":0.012,"call model":1200.000}}"#
                + "\n")
        #expect(
            AccessLogLine.traceID(ofTraceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
                == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(AccessLogLine.traceID(ofTraceparent: "junk") == nil)
    }

    @Test func accessLogTakesABooleanOrAForm() throws {
        let endpoint = TracingTests.endpoint
        #expect(
            try TestConfigurations.parse("[server]\naccess_log = true\n" + endpoint).server.accessLogFormat == .text)
        let json = try TestConfigurations.parse("[server]\naccess_log = \"json\"\n" + endpoint).server
        #expect(json.accessLog && json.accessLogFormat == .json)
        #expect(TestConfigurations.error("[server]\naccess_log = \"xml\"\n" + endpoint)?.key == "server.access_log")
    }
}
