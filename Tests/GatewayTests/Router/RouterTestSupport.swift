import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import TestSupport

@testable import Gateway
@testable import InvocationCore
@testable import ModelClient

/// The client and admin routers of a gateway built from configuration text, for in-process tests.
struct RouterHarness {
    let runtime: GatewayRuntime
    let readiness = Readiness()
    /// One backend client for every router test: its HTTP clients must outlive the tests (they cannot be
    /// deinitialised without a shutdown).
    static let client = BackendClient()
    var client: BackendClient { Self.client }

    init(_ text: String, file: String? = nil) throws {
        var configuration = try TestConfigurations.parse(text)
        configuration.sourceFile = file.map(URL.init(fileURLWithPath:))
        runtime = try GatewayRuntime(configuration: configuration, features: nil, logger: Logger(label: "test"))
    }

    typealias App = Application<RouterResponder<GatewayRequestContext>>

    var clientApp: App {
        Application(
            router: ClientAPI.router(
                pipeline: InvocationPipeline(runtime: runtime, client: client), readiness: readiness))
    }

    var adminApp: App {
        Application(router: AdminAPI.router(runtime: runtime, readiness: readiness))
    }

    /// One endpoint `demo` whose variants point at a port that refuses connections.
    static func unreachableEndpoint(extraServer: String = "") throws -> String {
        let port = try FreePort.refusing()
        return """
            [server]
            \(extraServer)

            [[endpoint]]
            name = "demo"
            max_retries = 0

            [[endpoint.variant]]
            name = "VariantA"
            backends = ["http://127.0.0.1:\(port)"]

            [[endpoint.variant]]
            name = "VariantB"
            weight = 0
            backends = ["http://127.0.0.1:\(port)"]
            """
    }
}

/// An AWS-style error answer, decoded.
struct AWSError {
    let status: HTTPResponse.Status
    let type: String?
    let message: String
    let json: [String: Any]

    init(_ response: TestResponse) throws {
        status = response.status
        type = response.headers[.amznErrorType]
        let object = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
        guard let json = object as? [String: Any] else { throw TestFailure("error body is not a JSON object") }
        self.json = json
        message = json["message"] as? String ?? ""
    }
}

/// A test failure with a message.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
