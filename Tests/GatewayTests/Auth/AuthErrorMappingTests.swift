import GatewayAuth
import HTTPTypes
import Hummingbird
import Testing

@testable import Gateway
@testable import InvocationCore

@Suite("Auth error answers")
struct AuthErrorMappingTests {
    @Test(arguments: [
        (AuthError.missingAuthenticationToken, 403),
        (AuthError.unrecognizedAPIKey, 403),
        (AuthError.signatureMismatch, 403),
        (AuthError.accessDenied("revoked"), 403),
        (AuthError.incompleteSignature("no date"), 400),
        (AuthError.internalFailure("no master key"), 500),
    ])
    func keepsCodeStatusAndMessage(error: AuthError, status: Int) {
        let answer = GatewayError(error)
        #expect(answer.code == error.code.rawValue)
        #expect(answer.status.code == status)
        #expect(answer.message == error.message)
        #expect(answer.headers[.retryAfter] == nil)
    }

    @Test(arguments: AuthError.Code.allCases)
    func everyAuthCodeKeepsItsWireValue(code: AuthError.Code) {
        #expect(GatewayError.Code(code).rawValue == code.rawValue)
    }

    @Test func throttlingCarriesRetryAfter() {
        let answer = GatewayError(AuthError.throttled("Rate exceeded for API key 'k'.", retryAfter: 7))
        #expect(answer.code == "ThrottlingException")
        #expect(answer.status.code == 429)
        #expect(answer.headers[.retryAfter] == "7")
        #expect(answer.body == #"{"message":"Rate exceeded for API key 'k'."}"#)
    }

    @Test(arguments: [
        (KeyStoreError.Kind.notFound, "ResourceNotFound", 404),
        (.invalidArgument, "ValidationError", 400),
        (.masterKeyMissing, "ValidationError", 400),
        (.masterKeyInvalid, "InternalFailure", 500),
        (.masterKeyMismatch, "InternalFailure", 500),
        (.database, "InternalFailure", 500),
    ])
    func keyStoreFailuresOnTheAdminAPI(kind: KeyStoreError.Kind, code: String, status: Int) {
        let answer = GatewayError(KeyStoreError(kind: kind, message: "problem"))
        #expect(answer.code == code)
        #expect(answer.status.code == status)
        #expect(answer.message == "problem")
    }
}

@Suite("Raw request target")
struct RawRequestTargetTests {
    private func request(_ path: String) -> HTTPRequest {
        HTTPRequest(method: .post, scheme: "http", authority: "gw:8080", path: path)
    }

    @Test func splitsPathAndQueryAsReceived() {
        let target = request("/endpoints/a%20b/invocations?x=1%2F2&y").rawTarget
        #expect(target.path == "/endpoints/a%20b/invocations")
        #expect(target.query == "x=1%2F2&y")
    }

    @Test func noQuery() {
        let target = request("/endpoints/demo/invocations").rawTarget
        #expect(target.path == "/endpoints/demo/invocations")
        #expect(target.query == "")
    }

    @Test func emptyQueryAfterQuestionMark() {
        let target = request("/endpoints/demo/invocations?").rawTarget
        #expect(target.path == "/endpoints/demo/invocations")
        #expect(target.query == "")
    }
}
