import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

@testable import Gateway
@testable import InvocationCore

@Suite("Client API errors (router)")
struct ClientAPIErrorTests {
    private let harness: RouterHarness

    init() throws {
        harness = try RouterHarness(RouterHarness.unreachableEndpoint())
    }

    private func invoke(
        _ endpoint: String = "demo", body: ByteBuffer = ByteBuffer(string: "1,2,3"),
        headers: HTTPFields = [.contentType: "text/csv"]
    ) async throws -> TestResponse {
        try await harness.clientApp.test(.router) { client in
            try await client.execute(
                uri: "/endpoints/\(endpoint)/invocations", method: .post, headers: headers, body: body)
        }
    }

    @Test func unknownEndpointIsAValidationError() async throws {
        let response = try await invoke("nope")
        let error = try AWSError(response)
        #expect(error.status == .badRequest)
        #expect(error.type == "ValidationError")
        #expect(error.message == "Endpoint nope of account 000000000000 not found.")
        #expect(response.headers[.contentType] == "application/json")
        #expect(response.headers[.amznRequestID]?.isEmpty == false)
    }

    @Test(arguments: [
        ("X-Amzn-SageMaker-Target-Container-Hostname", "TargetContainerHostname"),
        ("X-Amzn-SageMaker-Enable-Explanations", "EnableExplanations"),
        ("X-Amzn-SageMaker-Inference-Component", "InferenceComponentName"),
        ("X-Amzn-SageMaker-Session-Id", "SessionId"),
    ])
    func parametersOfFeaturesTheGatewayLacksAreValidationErrors(header: String, parameter: String) async throws {
        var headers: HTTPFields = [.contentType: "text/csv"]
        headers[HTTPField.Name(header)!] = "x"
        let error = try AWSError(try await invoke(headers: headers))
        #expect(error.status == .badRequest)
        #expect(error.type == "ValidationError")
        #expect(error.message.hasPrefix("\(header) (\(parameter)) is not supported: mlgateway endpoints have no "))
    }

    @Test func emptyBodyIsAValidationError() async throws {
        let error = try AWSError(try await invoke(body: ByteBuffer()))
        #expect(error.status == .badRequest)
        #expect(error.type == "ValidationError")
        #expect(error.message.contains("empty"))
    }

    @Test func bodyOverSixMebibytesIsAValidationError() async throws {
        let body = ByteBuffer(repeating: UInt8(ascii: "1"), count: 6 * 1024 * 1024 + 1)
        let error = try AWSError(try await invoke(body: body, headers: [.contentType: "text/csv"]))
        #expect(error.status == .badRequest)
        #expect(error.type == "ValidationError")
        #expect(error.message.contains("exceeds the limit of 6291456 bytes"))
    }

    @Test func configuredBodyLimitApplies() async throws {
        let harness = try RouterHarness(RouterHarness.unreachableEndpoint(extraServer: "max_body_bytes = 10"))
        let response = try await harness.clientApp.test(.router) { client in
            try await client.execute(
                uri: "/endpoints/demo/invocations", method: .post, body: ByteBuffer(string: "12345678901"))
        }
        let error = try AWSError(response)
        #expect(error.type == "ValidationError")
        #expect(error.message.contains("10 bytes"))
    }

    @Test func customAttributesOver1024CharactersAreAValidationError() async throws {
        let attributes = String(repeating: "a", count: 1025)
        let error = try AWSError(try await invoke(headers: [.contentType: "text/csv", .customAttributes: attributes]))
        #expect(error.status == .badRequest)
        #expect(error.type == "ValidationError")
        #expect(error.message.contains("1024"))
    }

    @Test func customAttributesOfExactly1024CharactersPassValidation() async throws {
        let attributes = String(repeating: "a", count: 1024)
        let error = try AWSError(try await invoke(headers: [.contentType: "text/csv", .customAttributes: attributes]))
        #expect(error.type == "ServiceUnavailable")
    }

    @Test(arguments: ["", String(repeating: "i", count: 65)])
    func badInferenceIdIsAValidationError(id: String) async throws {
        let error = try AWSError(try await invoke(headers: [.contentType: "text/csv", .inferenceID: id]))
        #expect(error.type == "ValidationError")
        #expect(error.message.contains("Inference-Id"))
    }

    @Test func unknownTargetVariantIsAValidationError() async throws {
        let error = try AWSError(try await invoke(headers: [.contentType: "text/csv", .targetVariant: "Nope"]))
        #expect(error.status == .badRequest)
        #expect(error.type == "ValidationError")
        #expect(error.message.contains("Target variant Nope not found for endpoint demo"))
        #expect(error.message.contains("VariantA, VariantB"))
    }

    @Test func unreachableBackendIsServiceUnavailable() async throws {
        let error = try AWSError(try await invoke())
        #expect(error.status == .serviceUnavailable)
        #expect(error.type == "ServiceUnavailable")
        #expect(error.message.contains("VariantA"))
    }

    @Test func unknownRouteIsAnAWSStyle404() async throws {
        let response = try await harness.clientApp.test(.router) { client in
            try await client.execute(uri: "/no/such/route", method: .get)
        }
        let error = try AWSError(response)
        #expect(error.status == .notFound)
        #expect(error.type == "UnknownOperationException")
        #expect(error.message.contains("/no/such/route"))
        #expect(response.headers[.amznRequestID] != nil)
    }

    @Test func wrongMethodOnInvocationsIsAnAWSStyleError() async throws {
        let response = try await harness.clientApp.test(.router) { client in
            try await client.execute(uri: "/endpoints/demo/invocations", method: .get)
        }
        let error = try AWSError(response)
        #expect(error.status.code >= 400 && error.status.code < 500)
        #expect(error.type != nil)
    }

    @Test func requestIdsDifferPerRequest() async throws {
        let first = try await invoke("nope").headers[.amznRequestID]
        let second = try await invoke("nope").headers[.amznRequestID]
        #expect(first != nil)
        #expect(first != second)
    }
}
