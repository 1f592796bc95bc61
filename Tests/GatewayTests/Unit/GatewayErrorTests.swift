import Foundation
import HTTPTypes
import Hummingbird
import Testing

@testable import Gateway
@testable import InvocationCore

@Suite("GatewayError")
struct GatewayErrorTests {
    private func json(_ error: GatewayError) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(error.body.utf8))
        return try #require(object as? [String: Any])
    }

    @Test func validationErrorIs400() throws {
        let error = GatewayError.validation("bad input")
        #expect(error.code == "ValidationError")
        #expect(error.status == .badRequest)
        #expect(error.body == #"{"message":"bad input"}"#)
    }

    @Test func unknownEndpointIsWordedAsSageMaker() {
        let error = GatewayError.unknownEndpoint("nope", account: "123456789012")
        #expect(error.code == "ValidationError")
        #expect(error.message == "Endpoint nope of account 123456789012 not found.")
    }

    @Test func modelErrorCarriesTheOriginalStatusAndMessage() throws {
        let error = GatewayError.modelError(
            endpoint: "demo", variant: "VariantA", status: 500, body: #"{"error":"boom"}"#)
        #expect(error.code == "ModelError")
        #expect(error.status.code == 424)
        let body = try json(error)
        #expect(body["OriginalStatusCode"] as? Int == 500)
        #expect(body["OriginalMessage"] as? String == #"{"error":"boom"}"#)
        #expect(body["LogStreamArn"] as? String == "mlgateway/endpoints/demo/VariantA")
        let message = try #require(body["message"] as? String)
        #expect(message.hasPrefix("Received server error (500) from primary with message"))
        #expect(message.contains("VariantA"))
        let rejected = GatewayError.modelError(endpoint: "demo", variant: "VariantA", status: 400, body: "bad row")
        #expect(rejected.message.hasPrefix("Received client error (400) from primary with message \"bad row\""))
    }

    @Test func serviceUnavailableAndInternalFailure() {
        #expect(GatewayError.serviceUnavailable("x").code == "ServiceUnavailable")
        #expect(GatewayError.serviceUnavailable("x").status == .serviceUnavailable)
        #expect(GatewayError.internalFailure("x").code == "InternalFailure")
        #expect(GatewayError.internalFailure("x").status == .internalServerError)
    }

    @Test func unknownOperationIs404() {
        let error = GatewayError.unknownOperation("GET", "/nothing")
        #expect(error.code == "UnknownOperationException")
        #expect(error.status == .notFound)
        #expect(error.message.contains("GET /nothing"))
    }

    @Test func bodyEscapesJSONSpecialCharacters() throws {
        let message = "quote \" backslash \\ newline \n tab \t bell \u{07} é 🚀"
        let error = GatewayError.validation(message)
        #expect(try json(error)["message"] as? String == message)
        #expect(error.body.contains(#"\u0007"#))
    }

    @Test func extraFieldsKeepTheirTypes() throws {
        let error = GatewayError(
            code: .throttling, status: .tooManyRequests, message: "m", fields: [("A", "1")], integerFields: [("B", 2)])
        let body = try json(error)
        #expect(body["A"] as? String == "1")
        #expect(body["B"] as? Int == 2)
        #expect(body.count == 3)
    }

    @Test func equalityComparesCodeStatusAndMessage() {
        #expect(GatewayError.validation("a") == GatewayError.validation("a"))
        #expect(GatewayError.validation("a") != GatewayError.validation("b"))
        #expect(GatewayError.validation("a") != GatewayError.serviceUnavailable("a"))
    }

    @Test func headerNamesAreTheAWSOnes() {
        #expect(HTTPField.Name.amznErrorType.rawName == "x-amzn-ErrorType")
        #expect(HTTPField.Name.amznRequestID.rawName == "x-amzn-RequestId")
        #expect(HTTPField.Name.invokedProductionVariant.rawName == "x-Amzn-Invoked-Production-Variant")
        #expect(HTTPField.Name.customAttributes.canonicalName == "x-amzn-sagemaker-custom-attributes")
        #expect(HTTPField.Name.targetVariant.canonicalName == "x-amzn-sagemaker-target-variant")
    }
}
