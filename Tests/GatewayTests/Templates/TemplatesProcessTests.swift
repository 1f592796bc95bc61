import Foundation
import TestSupport
import Testing

@Suite("Templates in a running gateway", .serialized)
struct TemplatesProcessTests {
    static func endpoint(
        name: String = "demo-json", backend: String, passthrough: String? = nil, templates: Bool = true
    ) -> String {
        var text = """
            [[endpoint]]
            name = "\(name)"
            stage_variables = { model = "demo-v1" }
            \(passthrough.map { "passthrough_behavior = \"\($0)\"" } ?? "")

            """
        if templates {
            text += """
                [[endpoint.request_template]]
                content_type = "application/json"
                file = "\(RepositoryTemplates.path("json-to-csv.vtl"))"
                output_content_type = "text/csv"

                [[endpoint.response_template]]
                content_type = "application/json"
                file = "\(RepositoryTemplates.path("csv-to-json.vtl"))"

                """
        }
        return text + """
            [[endpoint.variant]]
            name = "AllTraffic"
            backends = ["\(backend)"]

            """
    }

    @Test func jsonRequestBecomesCSVForTheModelAndTheCSVAnswerBecomesJSON() async throws {
        let model = try await DemoBackendProcess.start(name: "model")
        let gateway = try await GatewayProcess.start(Self.endpoint(backend: model.url))
        defer {
            Task {
                await gateway.stop()
                await model.stop()
            }
        }
        let response = try await gateway.invoke(
            "demo-json", body: #"{"instances": [[1, 2, 3], [4, 5, 6]]}"#, contentType: "application/json",
            headers: [("Accept", "application/json")])
        #expect(response.status == 200, "\(response.text) \(gateway.output)")
        #expect(response.headers.first(name: "Content-Type") == "application/json")
        let requestID = try #require(response.headers.first(name: "x-amzn-RequestId"))
        #expect(
            response.text
                == #"{"model": "demo-v1", "request_id": "\#(requestID)", "predictions": [0.880797, 0.993307]}"#)
    }

    @Test func theModelReceivesTheRenderedCSV() async throws {
        let echo = try await DemoBackendProcess.start(name: "echo", mode: "echo")
        let gateway = try await GatewayProcess.start(Self.endpoint(backend: echo.url, templates: true))
        defer {
            Task {
                await gateway.stop()
                await echo.stop()
            }
        }
        let response = try await gateway.invoke(
            "demo-json", body: #"{"instances": [[1, 2], [3, 4]]}"#, contentType: "application/json",
            headers: [("Accept", "text/csv")])
        #expect(response.status == 200)
        #expect(response.headers.first(name: "Content-Type") == "text/csv")
        #expect(response.text == "1,2\n3,4\n")
    }

    @Test func templatesReadTheRequestsParametersAndContext() async throws {
        let files = try TemporaryDirectory()
        let params = try files.write(
            "params.vtl",
            "$input.params('q')|$input.params('X-Trace')|$input.params().path.name|$input.params('Host')|$input.body")
        let context = try files.write(
            "context.vtl", "$input.body|$context.httpMethod|$context.variant|$context.requestId")
        let echo = try await DemoBackendProcess.start(name: "echo", mode: "echo")
        let gateway = try await GatewayProcess.start(
            Self.endpoint(backend: echo.url, templates: false) + """
                [[endpoint.request_template]]
                content_type = "text/plain"
                file = "\(params)"

                [[endpoint.response_template]]
                content_type = "text/plain"
                file = "\(context)"

                """)
        defer {
            Task {
                await gateway.stop()
                await echo.stop()
            }
        }
        // A repeated query parameter gives its last value, as API Gateway's single-value maps do; the endpoint
        // name may arrive percent-encoded.
        let response = try await HTTP.request(
            .POST, "\(gateway.url)/endpoints/demo%2Djson/invocations?q=1&q=42",
            headers: [("Content-Type", "text/plain"), ("Accept", "text/plain"), ("X-Trace", "t-1")],
            body: Array("hello".utf8))
        #expect(response.status == 200, "\(response.text)")
        let requestID = try #require(response.headers.first(name: "x-amzn-RequestId"))
        let host = gateway.url.replacingOccurrences(of: "http://", with: "")
        #expect(response.text == "42|t-1|demo-json|\(host)|hello|POST|AllTraffic|\(requestID)")
    }

    @Test func passthroughWhenNoMatchSendsUnmatchedBodiesUnchanged() async throws {
        let echo = try await DemoBackendProcess.start(name: "echo", mode: "echo")
        let gateway = try await GatewayProcess.start(Self.endpoint(backend: echo.url, passthrough: "WHEN_NO_MATCH"))
        defer {
            Task {
                await gateway.stop()
                await echo.stop()
            }
        }
        let response = try await gateway.invoke(
            "demo-json", body: "9,9", contentType: "text/csv", headers: [("Accept", "text/csv")])
        #expect(response.status == 200)
        #expect(response.text == "9,9")
    }

    @Test func passthroughWhenNoTemplatesRejectsUnmatchedTypesOfATemplatedEndpoint() async throws {
        let echo = try await DemoBackendProcess.start(name: "echo", mode: "echo")
        let gateway = try await GatewayProcess.start(
            Self.endpoint(backend: echo.url, passthrough: "WHEN_NO_TEMPLATES")
                + Self.endpoint(name: "plain", backend: echo.url, passthrough: "WHEN_NO_TEMPLATES", templates: false))
        defer {
            Task {
                await gateway.stop()
                await echo.stop()
            }
        }
        let rejected = try await gateway.invoke("demo-json", body: "9,9", contentType: "text/csv")
        #expect(rejected.status == 415)
        #expect(rejected.errorType == "UnsupportedMediaType")
        let passed = try await gateway.invoke("plain", body: "9,9", contentType: "text/csv")
        #expect(passed.status == 200)
        #expect(passed.text == "9,9")
    }

    @Test func passthroughNeverRejectsEveryUnmatchedType() async throws {
        let echo = try await DemoBackendProcess.start(name: "echo", mode: "echo")
        let gateway = try await GatewayProcess.start(
            Self.endpoint(name: "strict", backend: echo.url, passthrough: "NEVER", templates: false))
        defer {
            Task {
                await gateway.stop()
                await echo.stop()
            }
        }
        let rejected = try await gateway.invoke("strict", body: "9,9", contentType: "text/csv")
        #expect(rejected.status == 415)
        #expect(
            rejected.json["message"] as? String
                == "Unsupported Media Type: endpoint strict has no request template for text/csv (passthrough_behavior NEVER)."
        )
    }

    @Test func aBodyThatLooksLikeJSONButIsNotIsTheClientsError() async throws {
        let echo = try await DemoBackendProcess.start(name: "echo", mode: "echo")
        let gateway = try await GatewayProcess.start(Self.endpoint(backend: echo.url))
        defer {
            Task {
                await gateway.stop()
                await echo.stop()
            }
        }
        let response = try await gateway.invoke(
            "demo-json", body: #"{"instances": [1,"#, contentType: "application/json")
        #expect(response.status == 400)
        #expect(response.errorType == "ValidationError")
        let message = try #require(response.json["message"] as? String)
        #expect(message.hasPrefix("Could not process payload: "))
        #expect(!message.dropFirst(1).contains("Could not process payload"))
    }

    /// Starts an echo backend and a gateway whose `demo-json` endpoint has no file templates, stores `source` with
    /// the CLI as its request template for `text/plain`, waits until a call with `probe` as body meets `applied`,
    /// then runs `body`.
    private func withStoredTemplate(
        _ source: String, probe: String = "x", applied: @escaping (HTTP.Response) -> Bool,
        _ body: (GatewayProcess) async throws -> Void
    ) async throws {
        let echo = try await DemoBackendProcess.start(name: "echo", mode: "echo")
        let gateway = try await GatewayProcess.start(Self.endpoint(backend: echo.url, templates: false))
        defer {
            Task {
                await gateway.stop()
                await echo.stop()
            }
        }
        let template = gateway.directory.appendingPathComponent("stored.vtl").path
        try Data(source.utf8).write(to: URL(fileURLWithPath: template))
        let put = try CommandRun.mlgateway([
            "templates", "put", "demo-json", "request", "text/plain", template, "--config", gateway.configFile.path,
        ])
        #expect(put.status == 0, "\(put.stderr)")
        #expect(
            try await TemplateFixtures.eventually {
                applied(try await gateway.invoke("demo-json", body: probe, contentType: "text/plain"))
            })
        try await body(gateway)
    }

    @Test func aRuntimeErrorIsAnInternalFailureNamingTheTemplateAndPosition() async throws {
        try await withStoredTemplate("ok\n #include('x.vtl')", applied: { $0.status == 500 }) { gateway in
            let response = try await gateway.invoke("demo-json", body: "x", contentType: "text/plain")
            #expect(response.errorType == "InternalFailure")
            let message = try #require(response.json["message"] as? String)
            #expect(message.hasPrefix("Mapping template demo-json/request/text/plain (stored version 1) failed at 2:"))
        }
    }

    /// A catastrophic pattern used to hold the event loop for most of a second per call and yield `false`; now its
    /// work is bounded and a blown bound is the template's error (issue 23 item 7). Nothing here measures time.
    @Test func aCatastrophicRegularExpressionIsATemplateErrorAndTheGatewayGoesOn() async throws {
        let catastrophic = String(repeating: "a", count: 40) + "!"
        try await withStoredTemplate(
            "$input.body.matches('(a+)+$')|$input.body.replaceAll('a', 'b')", probe: catastrophic,
            applied: { $0.status == 500 }
        ) { gateway in
            let response = try await gateway.invoke("demo-json", body: catastrophic, contentType: "text/plain")
            #expect(response.errorType == "InternalFailure")
            let message = try #require(response.json["message"] as? String)
            #expect(message.contains("failed at 1:"), "\(message)")
            #expect(message.contains("regular expression"), "\(message)")
            let ordinary = try await gateway.invoke("demo-json", body: "aaa", contentType: "text/plain")
            #expect(ordinary.status == 200)
            #expect(ordinary.text == "true|bbb")
        }
    }

    /// `null` is a literal, as in API Gateway (issue 23 item 10).
    @Test func nullIsALiteralInExpressions() async throws {
        try await withStoredTemplate(
            "#set($x = null)#if($x == null)none#end|$util.escapeJavaScript($input.body)",
            applied: { $0.text == "none|x" }
        ) { _ in }
    }

    @Test func aTemplateStoredByTheCLIAppliesWithoutARestart() async throws {
        let echo = try await DemoBackendProcess.start(name: "echo", mode: "echo")
        let gateway = try await GatewayProcess.start(Self.endpoint(backend: echo.url))
        defer {
            Task {
                await gateway.stop()
                await echo.stop()
            }
        }
        let before = try await gateway.invoke(
            "demo-json", body: "hello", contentType: "text/plain", headers: [("Accept", "text/plain")])
        #expect(before.text == "hello")
        let template = gateway.directory.appendingPathComponent("upper.vtl").path
        try Data("$input.body.toUpperCase()".utf8).write(to: URL(fileURLWithPath: template))
        let put = try CommandRun.mlgateway([
            "templates", "put", "demo-json", "request", "text/plain", template, "--config", gateway.configFile.path,
        ])
        #expect(put.status == 0, "\(put.stderr)")
        #expect(
            try await TemplateFixtures.eventually {
                try await gateway.invoke(
                    "demo-json", body: "hello", contentType: "text/plain", headers: [("Accept", "text/plain")]
                ).text == "HELLO"
            })
    }

    @Test func adminAPIEditIsLiveAndRenderMetricsAreExposed() async throws {
        let model = try await DemoBackendProcess.start(name: "model")
        let gateway = try await GatewayProcess.start(Self.endpoint(backend: model.url))
        defer {
            Task {
                await gateway.stop()
                await model.stop()
            }
        }
        let put = try await HTTP.request(
            .PUT, "\(gateway.adminURL)/admin/endpoints/demo-json/templates/response/application/json?author=ops",
            body: Array(#"{"scores": "$input.body.trim()"}"#.utf8))
        #expect(put.status == 201, "\(put.text)")
        let response = try await gateway.invoke(
            "demo-json", body: #"{"instances": [[0]]}"#, contentType: "application/json")
        #expect(response.text == #"{"scores": "0.500000"}"#)
        let metrics = try await gateway.metrics()
        #expect(metrics.text.contains("mlgateway_template_render_seconds"))
        #expect(metrics.text.contains(#"endpoint="demo-json""#))
    }
}
