import FeatureStore
import Foundation
import Testing

@testable import Gateway
@testable import InvocationCore

@Suite("Configuration errors")
struct ConfigurationErrorTests {
    /// Two endpoints of two variants each; `{weight}` and friends are replaced by the tests.
    /// Line numbers matter: the second variant of the first endpoint has its `name` on line 13 and `weight` on line 14.
    static func twoEndpoints(
        secondWeight: String = "1.0", extraVariantKey: String = "", secondEndpointName: String = "other"
    )
        -> String
    {
        """
        [server]
        listen = "127.0.0.1:8080"

        [[endpoint]]
        name = "demo"

        [[endpoint.variant]]
        name = "VariantA"
        weight = 1.0
        backends = ["http://127.0.0.1:9001"]

        [[endpoint.variant]]
        name = "VariantB"
        weight = \(secondWeight)
        backends = ["http://127.0.0.1:9002"]
        \(extraVariantKey)
        [[endpoint]]
        name = "\(secondEndpointName)"

        [[endpoint.variant]]
        name = "Main"
        backends = ["http://127.0.0.1:9003"]
        """
    }

    private func error(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> ConfigurationError {
        try #require(TestConfigurations.error(text), "expected a configuration error", sourceLocation: sourceLocation)
    }

    @Test func badWeightInSecondVariantOfFirstEndpointNamesItsLine() throws {
        let error = try error(Self.twoEndpoints(secondWeight: "\"heavy\""))
        #expect(error.file == "gateway.conf")
        #expect(error.line == 14)
        #expect(error.key == "endpoint[0].variant[1].weight")
        #expect(error.message == "must be a number")
        #expect(error.description == "gateway.conf:14: endpoint[0].variant[1].weight: must be a number")
    }

    @Test func negativeWeightIsOutOfRange() throws {
        let error = try error(Self.twoEndpoints(secondWeight: "-1"))
        #expect(error.line == 14)
        #expect(error.key == "endpoint[0].variant[1].weight")
        #expect(error.message.contains("between 0"))
    }

    @Test func enrichmentKeysMustMatchTheViewsEntityKey() throws {
        let error = try error(
            """
            [feature_store]
            redis = "redis://127.0.0.1:6379"

            [[feature_view]]
            name = "user"
            features = ["age"]

            [[endpoint]]
            name = "demo"

            [[endpoint.enrich]]
            view = "user"
            key = ["$.u", "$.v"]

            [[endpoint.variant]]
            name = "Main"
            backends = ["http://127.0.0.1:9003"]
            """)
        #expect(error.line == 11)
        #expect(error.key == "endpoint[0].enrich[0].key")
        #expect(error.message == "gives 2 key(s) but view \"user\" has an entity key of 1 part(s): user")
    }

    @Test func unknownKeyIsRejectedWithItsLine() throws {
        let error = try error(Self.twoEndpoints(extraVariantKey: "colour = \"red\""))
        #expect(error.line == 16)
        #expect(error.key == "endpoint[0].variant[1].colour")
        #expect(error.message == "unknown key")
    }

    @Test func unknownTopLevelTableIsRejected() throws {
        let error = try error("[srever]\nlisten = \"127.0.0.1:1\"\n")
        #expect(error.line == 1)
        #expect(error.key == "srever")
        #expect(error.message == "unknown key")
    }

    @Test func unknownServerKeyIsRejected() throws {
        let error = try error("[server]\nlisten = \"127.0.0.1:1\"\nlisten_port = 3\n")
        #expect(error.line == 3)
        #expect(error.key == "server.listen_port")
    }

    @Test func unknownCircuitBreakerKeyIsRejected() throws {
        let text = ConfigurationParsingTests.minimal + "\n[endpoint.circuit_breaker]\nthreshold = 3\n"
        let error = try error(text)
        #expect(error.key == "endpoint[0].circuit_breaker.threshold")
        #expect(error.line == 8)
    }

    @Test func duplicateEndpointNameIsRejected() throws {
        let error = try error(Self.twoEndpoints(secondEndpointName: "demo"))
        #expect(error.line == 18)
        #expect(error.key == "endpoint[1].name")
        #expect(error.message.contains("declared twice"))
    }

    @Test func duplicateVariantNameIsRejected() throws {
        let text = Self.twoEndpoints().replacingOccurrences(of: "name = \"VariantB\"", with: "name = \"VariantA\"")
        let error = try error(text)
        #expect(error.line == 13)
        #expect(error.key == "endpoint[0].variant[1].name")
        #expect(error.message.contains("declared twice"))
    }

    @Test func tomlSyntaxErrorNamesItsLine() throws {
        let text = "[server]\nlisten = \"127.0.0.1:8080\"\n\n[[endpoint]]\nname = \n"
        let error = try error(text)
        #expect(error.line == 5)
        #expect(error.message.hasPrefix("TOML syntax error"))
        #expect(error.description.hasPrefix("gateway.conf:5: "))
    }

    /// TOML 1.0 allows no control character but tab, line feed and carriage return unescaped; they are refused
    /// before toml++ parses (see `TOMLPreflightTests`).
    @Test(arguments: ["x = 1\u{01}", "a = 1\n# comment \u{00}\n", "[server]\nlisten = \"a\u{7F}\"\n"])
    func controlCharactersAreASyntaxErrorWithTheirLine(text: String) throws {
        let error = try error(text)
        #expect(error.message.hasPrefix("TOML syntax error: control character U+00"))
        #expect(
            error.line
                == text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex {
                    $0.unicodeScalars.contains { $0.value < 0x09 || $0.value == 0x7F }
                }.map { $0 + 1 })
    }

    @Test func tabsAndCRLFLineEndsAreAllowed() throws {
        let error = TestConfigurations.error("[server]\r\nlisten = \"127.0.0.1:8080\"\t# port\r\n")
        #expect(error?.message.contains("control character") != true)
        #expect(error?.message.contains("TOML syntax error") != true)
    }

    @Test func missingVariantNameIsRequired() throws {
        let error = try error("[[endpoint]]\nname = \"e\"\n\n[[endpoint.variant]]\nbackends = [\"http://h:1\"]\n")
        #expect(error.key == "endpoint[0].variant[0].name")
        #expect(error.line == 4)
        #expect(error.message == "is required")
    }

    @Test func emptyNameIsRejected() throws {
        let error = try error(ConfigurationParsingTests.minimal.replacingOccurrences(of: "\"demo\"", with: "\"\""))
        #expect(error.key == "endpoint[0].name")
        #expect(error.message == "must not be empty")
    }

    @Test(arguments: ["a/b", "with space", "x?y"])
    func endpointNameMustBeURLSafe(name: String) throws {
        let error = try error(
            ConfigurationParsingTests.minimal.replacingOccurrences(of: "\"demo\"", with: "\"\(name)\""))
        #expect(error.key == "endpoint[0].name")
        #expect(error.line == 2)
    }

    @Test func endpointWithoutProductionVariantIsRejected() throws {
        let text =
            "[[endpoint]]\nname = \"e\"\n\n[[endpoint.variant]]\nname = \"S\"\nshadow = true\nbackends = [\"http://h:1\"]\n"
        let error = try error(text)
        #expect(error.key == "endpoint[0]")
        #expect(error.line == 1)
        #expect(error.message.contains("at least one production variant"))
    }

    @Test func endpointWithoutVariantsIsRejected() throws {
        let error = try error("[[endpoint]]\nname = \"e\"\n")
        #expect(error.key == "endpoint[0]")
        #expect(error.message.contains("production variant"))
    }

    @Test func variantWithoutBackendsIsRejected() throws {
        let error = try error(
            ConfigurationParsingTests.minimal.replacingOccurrences(of: "[\"http://127.0.0.1:9001\"]", with: "[]"))
        #expect(error.key == "endpoint[0].variant[0].backends")
        #expect(error.line == 6)
    }

    @Test(arguments: ["ftp://h:1", "127.0.0.1:9001", "http://", "not a url"])
    func backendMustBeAnHTTPURL(url: String) throws {
        let error = try error(
            ConfigurationParsingTests.minimal.replacingOccurrences(of: "http://127.0.0.1:9001", with: url))
        #expect(error.key == "endpoint[0].variant[0].backends")
        #expect(error.message.contains("is not an http(s)://host:port URL"))
    }

    @Test func backendsMustBeStrings() throws {
        let error = try error(
            ConfigurationParsingTests.minimal.replacingOccurrences(of: "[\"http://127.0.0.1:9001\"]", with: "[1, 2]"))
        #expect(error.message == "must be an array of strings")
    }

    @Test func badListenAddressIsRejected() throws {
        let error = try error("[server]\n\nadmin_listen = \"8081\"\n")
        #expect(error.key == "server.admin_listen")
        #expect(error.line == 3)
        #expect(error.message.contains("host:port"))
        let grpc = try self.error("[server]\ngrpc_listen = \"localhost\"\n")
        #expect(grpc.key == "server.grpc_listen" && grpc.line == 2 && grpc.message.contains("host:port"))
        let name = try self.error("[server]\ngrpc_listen = \"gateway.internal:8082\"\n")
        #expect(name.key == "server.grpc_listen" && name.message.contains("IP address"))
        #expect(
            try TestConfigurations.parse("[server]\ngrpc_listen = \"localhost:8082\"\n").server.grpcListen?.host
                == "127.0.0.1")
    }

    @Test func badDurationIsRejectedWithTheText() throws {
        let text = ConfigurationParsingTests.minimal.replacingOccurrences(
            of: "name = \"demo\"", with: "name = \"demo\"\ntimeout = \"10 parsecs\"")
        let error = try error(text)
        #expect(error.key == "endpoint[0].timeout")
        #expect(error.line == 3)
        #expect(error.message.contains("\"10 parsecs\""))
    }

    @Test(arguments: ["timeout", "connect_timeout"])
    func aZeroBackendTimeoutIsRejected(key: String) throws {
        let text = ConfigurationParsingTests.minimal.replacingOccurrences(
            of: "name = \"demo\"", with: "name = \"demo\"\n\(key) = \"0s\"")
        let error = try error(text)
        #expect(error.key == "endpoint[0].\(key)")
        #expect(error.line == 3)
        #expect(error.message == "must be more than zero")
    }

    @Test func durationMustBeAString() throws {
        let error = try error("[server]\ndrain_timeout = 30\n")
        #expect(error.key == "server.drain_timeout")
        #expect(error.message == "must be a string")
    }

    @Test func outOfRangeIntegerIsRejected() throws {
        let text = ConfigurationParsingTests.minimal.replacingOccurrences(
            of: "name = \"demo\"", with: "name = \"demo\"\nmax_retries = 11")
        let error = try error(text)
        #expect(error.key == "endpoint[0].max_retries")
        #expect(error.message == "must be between 0 and 10")
    }

    @Test func unknownAuthModeListsTheChoices() throws {
        let text = ConfigurationParsingTests.minimal.replacingOccurrences(
            of: "name = \"demo\"", with: "name = \"demo\"\nauth = \"basic\"")
        let error = try error(text)
        #expect(error.key == "endpoint[0].auth")
        #expect(error.message.contains("\"sigv4\""))
    }

    @Test func unknownLogLevelIsRejected() throws {
        let error = try error("[server]\nlog_level = \"loud\"\n")
        #expect(error.key == "server.log_level")
        #expect(error.line == 2)
    }

    @Test func shadowMustBeABoolean() throws {
        let text = ConfigurationParsingTests.minimal + "\nshadow = \"yes\"\n"
        let error = try error(text)
        #expect(error.key == "endpoint[0].variant[0].shadow")
        #expect(error.message == "must be true or false")
    }

    @Test func serverMustBeATable() throws {
        let error = try error("server = 3\n")
        #expect(error.key == "server")
        #expect(error.line == 1)
        #expect(error.message == "must be a table")
    }

    @Test func missingFileIsReportedWithoutALine() {
        #expect {
            _ = try GatewayConfiguration.load(contentsOf: "/nonexistent/mlgw/gateway.conf", environment: [:])
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.file == "/nonexistent/mlgw/gateway.conf" && error.line == nil
                && error.message.contains("cannot read")
        }
    }

    @Test func descriptionWithoutLineOrKey() {
        #expect(ConfigurationError(file: "g.conf", line: nil, key: "", message: "boom").description == "g.conf: boom")
        #expect(ConfigurationError(file: "g.conf", line: 3, key: "", message: "boom").description == "g.conf:3: boom")
        #expect(
            ConfigurationError(file: "g.conf", line: nil, key: "a.b", message: "boom").description
                == "g.conf: a.b: boom")
    }

    /// A feature store and one view, with `store` and `view` lines added, and an endpoint.
    private static func feastConfiguration(store: String, view: String) -> String {
        """
        [feature_store]
        redis = "redis://127.0.0.1:6379"
        \(store)

        [[feature_view]]
        name = "user_store"
        features = ["visits"]
        \(view)

        [[endpoint]]
        name = "demo"

        [[endpoint.variant]]
        name = "Main"
        backends = ["http://127.0.0.1:9003"]
        """
    }

    @Test(arguments: [
        (
            "layout = \"feast\"", "", "feature_store.project",
            "is required with layout = \"feast\" (or a feast_repo that sets it)"
        ),
        ("layout = \"redis\"", "", "feature_store.layout", "must be \"native\" or \"feast\", not \"redis\""),
        ("project = \"p\"", "", "feature_store.project", "applies to layout = \"feast\" only"),
        (
            "layout = \"feast\"\nproject = \"p\"\nkey_prefix = \"x\"", "", "feature_store.key_prefix",
            "applies to the native layout only; Feast's keys have no prefix"
        ),
        (
            "layout = \"feast\"\nproject = \"p\"\nentity_key_serialization_version = 1", "",
            "feature_store.entity_key_serialization_version", "must be between 2 and 3"
        ),
        (
            "layout = \"feast\"\nproject = \"p\"", "", "feature_view[0].join_keys",
            "must name the view's join keys (or give feast_repo to read them)"
        ),
        (
            "layout = \"feast\"\nproject = \"p\"", "entity_keys = [\"user_id\"]", "feature_view[0].entity_keys",
            "is named join_keys with layout = \"feast\", as Feast names them"
        ),
        (
            "layout = \"feast\"\nproject = \"p\"",
            "join_keys = [\"user_id\"]\njoin_key_types = { store_id = \"int64\" }",
            "feature_view[0].join_key_types", "names \"store_id\", which is not one of join_keys"
        ),
        (
            "layout = \"feast\"\nproject = \"p\"",
            "join_keys = [\"user_id\"]\njoin_key_types = { user_id = \"float\" }",
            "feature_view[0].join_key_types",
            "user_id = \"float\" is not one of \"string\", \"int64\", \"int32\", \"bytes\", \"unix_timestamp\""
        ),
        (
            "", "join_keys = [\"user_id\"]", "feature_view[0].join_keys",
            "applies to layout = \"feast\"; the native layout names them entity_keys"
        ),
        (
            "layout = \"feast\"\nfeast_repo = \"/nonexistent/repo\"", "", "feature_store.feast_repo",
            "cannot load /nonexistent/repo/feature_store.yaml: no such file (is feast_repo a Feast feature repository?)"
        ),
    ])
    func feastLayoutSettingsAreChecked(store: String, view: String, key: String, message: String) throws {
        let error = try error(Self.feastConfiguration(store: store, view: view))
        #expect(error.key == key)
        #expect(error.message == message)
        #expect(error.line != nil)
    }

    @Test func feastViewWithTypedJoinKeysParses() throws {
        let configuration = try TestConfigurations.parse(
            Self.feastConfiguration(
                store: "layout = \"feast\"\nproject = \"shop\"",
                view: "join_keys = [\"user_id\", \"store_id\"]\njoin_key_types = { store_id = \"int64\" }"))
        #expect(configuration.featureStore?.layout == .feast(project: "shop", entityKeySerializationVersion: 3))
        let view = try #require(configuration.featureViews.first)
        #expect(view.entityKeys == ["user_id", "store_id"])
        #expect(view.entityKeyTypes == [.string, .int64])
    }
}
