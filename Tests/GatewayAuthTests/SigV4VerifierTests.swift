import Foundation
import Testing

@testable import GatewayAuth

@Suite struct SigV4VerifierTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)
    let signer = SigV4Signer(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", region: "us-east-1")
    let verifier = SigV4Verifier(allowedRegions: ["us-east-1", "eu-west-1"])

    func invocation(path: String = "/endpoints/my-endpoint/invocations", body: String = "{\"x\":1}") -> SigV4Request {
        SigV4Request(
            method: "POST", path: path, query: "",
            headers: [("Host", "127.0.0.1:8080"), ("Content-Type", "application/json")], body: Array(body.utf8))
    }

    func check(
        _ request: SigV4Request, secret: String? = nil, at time: Date? = nil, with verifier: SigV4Verifier? = nil
    )
        throws(AuthError)
    {
        let verifier = verifier ?? self.verifier
        let authorization = try verifier.authorization(of: request)
        try verifier.verify(
            request, authorization: authorization, secretAccessKey: secret ?? signer.secretAccessKey, now: time ?? now)
    }

    @Test func signedInvocationVerifies() throws {
        try check(signer.sign(invocation(), date: now))
    }

    @Test func canonicalURIEncodesTheReceivedPathAgain() {
        #expect(
            SigV4Canonical.canonicalURI(path: "/endpoints/my%20ep/invocations", normalize: true)
                == "/endpoints/my%2520ep/invocations")
        #expect(SigV4Canonical.canonicalURI(path: "", normalize: true) == "/")
        #expect(SigV4Canonical.canonicalURI(path: "/a:b", normalize: true) == "/a%3Ab")
    }

    @Test(arguments: [
        ("/", "/"), ("//", "/"), ("/./", "/"), ("/example/..", "/"), ("/a/b/../..", "/"), ("/./example", "/example"),
        ("//example//", "/example/"), ("/a/./b/../c/", "/a/c/"),
        ("/endpoints/e/invocations", "/endpoints/e/invocations"),
    ])
    func pathNormalization(path: String, expected: String) {
        #expect(SigV4Canonical.normalizedPath(path) == expected)
    }

    @Test func canonicalQueryReencodesAndSorts() {
        let query = QueryParameter.parse("b=2&a=z&a=y&%7e=t&c&sp=a%20b&plus=a+b&slash=a/b")
        #expect(SigV4Canonical.canonicalQuery(query) == "a=y&a=z&b=2&c=&plus=a%2Bb&slash=a%2Fb&sp=a%20b&~=t")
    }

    @Test func canonicalHeaderValuesAreTrimmedAndFolded() {
        #expect(SigV4Canonical.canonicalHeaderValue("  a   b \t c  ") == "a b c")
        #expect(SigV4Canonical.canonicalHeaderValue("value1\n  value2") == "value1 value2")
        #expect(SigV4Canonical.canonicalHeaderValue("") == "")
    }

    @Test func constantTimeComparison() {
        #expect(Hex.constantTimeEquals(Array("abc".utf8), Array("abc".utf8)))
        #expect(!Hex.constantTimeEquals(Array("abc".utf8), Array("abd".utf8)))
        #expect(!Hex.constantTimeEquals(Array("abc".utf8), Array("abcd".utf8)))
    }

    @Test func tamperedBodyIsRejected() throws {
        var request = signer.sign(invocation(), date: now)
        request.bodySHA256 = SigV4Request.sha256Hex(Array("{\"x\":2}".utf8))
        #expect(throws: AuthError.signatureMismatch) { try check(request) }
    }

    @Test func declaredPayloadHashMustMatchBody() throws {
        var request = invocation()
        request.headers.append(("x-amz-content-sha256", SigV4Request.sha256Hex(Array("other".utf8))))
        let error = #expect(throws: AuthError.self) { try check(signer.sign(request, date: now)) }
        #expect(error?.code == .invalidSignature)
        #expect(error?.message.contains("x-amz-content-sha256") == true)
    }

    @Test func wrongSecretIsRejected() {
        #expect(throws: AuthError.signatureMismatch) {
            try check(signer.sign(invocation(), date: now), secret: "not-the-secret")
        }
    }

    @Test func clockSkewWindow() throws {
        let request = signer.sign(invocation(), date: now)
        try check(request, at: now.addingTimeInterval(299))
        try check(request, at: now.addingTimeInterval(-299))
        let late = #expect(throws: AuthError.self) { try check(request, at: now.addingTimeInterval(301)) }
        #expect(late?.message.hasPrefix("Signature expired:") == true)
        let early = #expect(throws: AuthError.self) { try check(request, at: now.addingTimeInterval(-301)) }
        #expect(early?.message.hasPrefix("Signature not yet current:") == true)
    }

    @Test func regionMustBeAllowed() {
        var other = signer
        other.region = "ap-south-1"
        let error = #expect(throws: AuthError.self) { try check(other.sign(invocation(), date: now)) }
        #expect(error?.code == .invalidSignature)
        #expect(error?.message.contains("region") == true)
    }

    @Test func serviceMustMatch() {
        var other = signer
        other.service = "s3"
        let error = #expect(throws: AuthError.self) { try check(other.sign(invocation(), date: now)) }
        #expect(error?.message.contains("'sagemaker'") == true)
    }

    @Test func unsignedRequestHasNoCredentials() {
        #expect(throws: AuthError.missingAuthenticationToken) { try verifier.authorization(of: invocation()) }
    }

    @Test(arguments: [
        "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sagemaker/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AKID/us-east-1/sagemaker/aws4_request, SignedHeaders=host, Signature=ab",
        "AWS4-ECDSA-P256-SHA256 Credential=AKID/20260101/us-east-1/sagemaker/aws4_request, SignedHeaders=host, Signature=ab",
    ])
    func malformedAuthorizationIsIncomplete(header: String) {
        var request = invocation()
        request.headers.append(("Authorization", header))
        request.headers.append(("X-Amz-Date", "20260101T000000Z"))
        let error = #expect(throws: AuthError.self) { try verifier.authorization(of: request) }
        #expect(error?.code == .incompleteSignature)
        #expect(error?.httpStatus == 400)
    }

    @Test func hostMustBeSigned() throws {
        var request = signer.sign(invocation(), date: now)
        let index = try #require(request.headers.firstIndex { $0.name == "Authorization" })
        request.headers[index].value = request.headers[index].value
            .replacingOccurrences(
                of: "SignedHeaders=content-type;host;x-amz-date", with: "SignedHeaders=content-type;x-amz-date")
        let error = #expect(throws: AuthError.self) { try check(request) }
        #expect(error?.code == .incompleteSignature)
    }

    @Test func sessionTokenPolicy() throws {
        var withToken = signer
        withToken.sessionToken = "token"
        let request = withToken.sign(invocation(), date: now)
        try check(request)
        var strict = verifier
        strict.sessionTokens = .reject
        #expect(throws: AuthError.sessionTokenRejected) { try check(request, with: strict) }
    }

    @Test func presignedRequestsCanBeDisabled() {
        var request = invocation()
        request.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=ab"
        var strict = verifier
        strict.allowPresigned = false
        let error = #expect(throws: AuthError.self) { try strict.authorization(of: request) }
        #expect(error?.code == .incompleteSignature)
    }

    @Test func sha256OfNonContiguousCollection() {
        let bytes = Array("hello".utf8)
        #expect(SigV4Request.sha256Hex(bytes) == SigV4Request.sha256Hex(bytes.lazy.map { $0 }))
        #expect(SigV4Request.sha256Hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
