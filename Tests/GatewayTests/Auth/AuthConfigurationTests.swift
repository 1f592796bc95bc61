import Foundation
import GatewayAuth
import Testing

@testable import Gateway
@testable import InvocationCore

@Suite("Auth configuration")
struct AuthConfigurationTests {
    static let endpoint = """

        [[endpoint]]
        name = "demo"
        auth = "any"

        [[endpoint.variant]]
        name = "VariantA"
        backends = ["http://127.0.0.1:9001"]
        """

    @Test func defaultsWithoutAnAuthTable() throws {
        let auth = try TestConfigurations.parse(Self.endpoint).auth
        #expect(auth == AuthConfiguration())
        #expect(auth.masterKeyFile == nil)
        #expect(auth.regions.isEmpty)
        #expect(auth.sessionTokens == .ignore)
        #expect(auth.allowPresigned)
        #expect(auth.clockSkew == .seconds(300))
    }

    @Test func readsEveryKey() throws {
        let configuration = try TestConfigurations.parse(
            """
            [auth]
            master_key_file = "secrets/master.key"
            regions = ["us-east-1", "eu-west-1"]
            session_tokens = "reject"
            allow_presigned = false
            clock_skew = "2m"
            """ + Self.endpoint)
        let auth = configuration.auth
        #expect(auth.masterKeyFile?.path == "/tmp/mlgw/secrets/master.key")
        #expect(auth.regions == ["us-east-1", "eu-west-1"])
        #expect(auth.sessionTokens == .reject)
        #expect(!auth.allowPresigned)
        #expect(auth.clockSkew == .seconds(120))
        #expect(configuration.endpoints[0].auth == .any)
    }

    @Test func absoluteMasterKeyFileStaysAbsolute() throws {
        let auth = try TestConfigurations.parse(
            "[auth]\nmaster_key_file = \"/etc/mlgateway/master.key\"\n" + Self.endpoint
        ).auth
        #expect(auth.masterKeyFile?.path == "/etc/mlgateway/master.key")
    }

    @Test func verifierTakesTheSettings() throws {
        let auth = AuthConfiguration(
            regions: ["us-west-2"], sessionTokens: .reject, allowPresigned: false, clockSkew: .seconds(90))
        let verifier = auth.verifier
        #expect(verifier.service == "sagemaker")
        #expect(verifier.allowedRegions == ["us-west-2"])
        #expect(verifier.sessionTokens == .reject)
        #expect(!verifier.allowPresigned)
        #expect(verifier.clockSkew == 90)
        #expect(verifier.normalizePath)
    }

    @Test(arguments: [
        ("session_tokens = \"drop\"", "auth.session_tokens: must be \"ignore\" or \"reject\", not \"drop\""),
        ("clock_skew = \"2h\"", "auth.clock_skew: must be between 1s and 1h"),
        ("clock_skew = \"soon\"", "auth.clock_skew: must be a duration"),
        ("regions = \"us-east-1\"", "auth.regions: must be an array of strings"),
        ("regions = [\"\"]", "auth.regions: must not contain an empty region"),
        ("master_key_file = \"\"", "auth.master_key_file: must not be empty"),
        ("allow_presigned = \"yes\"", "auth.allow_presigned: must be true or false"),
        ("master_key = \"abc\"", "auth.master_key: unknown key"),
    ])
    func rejectsBadValuesWithTheirKey(line: String, message: String) throws {
        let error = try #require(TestConfigurations.error("[auth]\n\(line)\n" + Self.endpoint))
        #expect(error.description.contains(message), "\(error.description)")
        #expect(error.line == 2)
    }

    @Test func rejectsAnUnknownEndpointAuthMode() throws {
        let error = try #require(
            TestConfigurations.error(Self.endpoint.replacingOccurrences(of: "\"any\"", with: "\"iam\"")))
        #expect(
            error.description.contains("endpoint[0].auth: must be one of \"none\", \"api_key\", \"sigv4\", \"any\""))
    }
}
