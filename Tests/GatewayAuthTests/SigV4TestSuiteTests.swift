import Foundation
import TestSupport
import Testing

@testable import GatewayAuth

/// Runs every case of awslabs/aws-c-auth's SigV4 suite through the verifier, in both header and query form.
@Suite(
    .enabled(
        if: ConformanceData.isRequired(SigV4TestSuiteCase.suiteName),
        Comment(rawValue: ConformanceData.skipReason(SigV4TestSuiteCase.suiteName))))
struct SigV4TestSuiteTests {
    static let cases = SigV4TestSuiteCase.all()
    static let forms = SigV4TestSuiteCase.Form.allCases

    @Test func suiteIsPresent() throws {
        let directory = SigV4TestSuiteCase.suiteDirectory.path
        #expect(
            FileManager.default.fileExists(atPath: directory),
            "SigV4 test suite missing at \(directory); it must sit beside the repository in ../shared/conformance/sigv4-test-suite"
        )
        #expect(
            Self.cases.count >= 30, "expected the full SigV4 suite in \(directory), found \(Self.cases.count) cases")
    }

    @Test(arguments: cases, forms)
    func canonicalRequestMatches(_ testCase: SigV4TestSuiteCase, form: SigV4TestSuiteCase.Form) throws {
        let request = try testCase.signedRequest(form)
        let verifier = try testCase.verifier()
        let authorization = try verifier.authorization(of: request)
        let analysis = try verifier.canonicalize(request, authorization: authorization)
        #expect(analysis.canonicalRequest == (try testCase.text("\(form.rawValue)-canonical-request.txt")))
        #expect(analysis.stringToSign == (try testCase.text("\(form.rawValue)-string-to-sign.txt")))
    }

    @Test(arguments: cases, forms)
    func signatureMatches(_ testCase: SigV4TestSuiteCase, form: SigV4TestSuiteCase.Form) throws {
        let context = try testCase.context()
        let request = try testCase.signedRequest(form)
        let verifier = try testCase.verifier()
        let authorization = try verifier.authorization(of: request)
        let stringToSign = try verifier.canonicalize(request, authorization: authorization).stringToSign
        let signature = SigV4Canonical.signature(
            stringToSign: stringToSign, secretAccessKey: context.credentials.secret_access_key,
            scopeDate: authorization.scopeDate, region: authorization.region, service: authorization.service)
        #expect(signature == (try testCase.text("\(form.rawValue)-signature.txt")))
        #expect(authorization.signature == signature)
        #expect(authorization.accessKeyID == context.credentials.access_key_id)
    }

    @Test(arguments: cases, forms)
    func verifierAcceptsSignedRequest(_ testCase: SigV4TestSuiteCase, form: SigV4TestSuiteCase.Form) throws {
        try verify(testCase, form: form, testCase.signedRequest(form))
    }

    @Test(arguments: cases, forms)
    func tamperedBodyIsRejected(_ testCase: SigV4TestSuiteCase, form: SigV4TestSuiteCase.Form) throws {
        var request = try testCase.signedRequest(form)
        request.bodySHA256 = SigV4Request.sha256Hex(Array("tampered".utf8))
        try expectRejected(testCase, form: form, request)
    }

    @Test(arguments: cases, forms)
    func tamperedPathIsRejected(_ testCase: SigV4TestSuiteCase, form: SigV4TestSuiteCase.Form) throws {
        var request = try testCase.signedRequest(form)
        request.path += "x"
        try expectRejected(testCase, form: form, request)
    }

    @Test(arguments: cases, forms)
    func tamperedSignedHeaderIsRejected(_ testCase: SigV4TestSuiteCase, form: SigV4TestSuiteCase.Form) throws {
        var request = try testCase.signedRequest(form)
        let host = try #require(request.headers.firstIndex { $0.name.lowercased() == "host" })
        request.headers[host].value = "evil.example.com"
        try expectRejected(testCase, form: form, request)
    }

    @Test(arguments: cases)
    func tamperedDateIsRejected(_ testCase: SigV4TestSuiteCase) throws {
        var request = try testCase.signedRequest(.header)
        let date = try #require(request.headers.firstIndex { $0.name.lowercased() == "x-amz-date" })
        request.headers[date].value = "20150830T123601Z"
        try expectRejected(testCase, form: .header, request)
    }

    @Test(arguments: cases)
    func staleDateIsRejectedAsExpired(_ testCase: SigV4TestSuiteCase) throws {
        let request = try testCase.signedRequest(.header)
        let verifier = try testCase.verifier()
        let authorization = try verifier.authorization(of: request)
        let error = #expect(throws: AuthError.self) {
            try verifier.verify(
                request, authorization: authorization,
                secretAccessKey: testCase.context().credentials.secret_access_key,
                now: testCase.now().addingTimeInterval(301))
        }
        #expect(error?.code == .invalidSignature)
        #expect(error?.message.hasPrefix("Signature expired: 20150830T123600Z is now earlier than") == true)
    }

    /// The suite's `-unnormalized` cases are signed the S3 way (path not normalized). AWS normalizes for every
    /// other service, so the production verifier accepts them only where normalizing leaves the path unchanged.
    @Test(arguments: cases.filter { $0.name.hasSuffix("-unnormalized") })
    func normalizingVerifierRejectsUnnormalizedSignatures(_ testCase: SigV4TestSuiteCase) throws {
        let request = try testCase.signedRequest(.header)
        let verifier = try testCase.verifier(normalize: true)
        let authorization = try verifier.authorization(of: request)
        let secret = try testCase.context().credentials.secret_access_key
        let verify = {
            try verifier.verify(request, authorization: authorization, secretAccessKey: secret, now: try testCase.now())
        }
        if SigV4Canonical.normalizedPath(request.path) == request.path {
            try verify()
        } else {
            #expect(throws: AuthError.signatureMismatch) { try verify() }
        }
    }

    @Test(arguments: cases.filter { (try? $0.context().credentials.token) != nil })
    func sessionTokenIsRejectedWhenConfigured(_ testCase: SigV4TestSuiteCase) throws {
        let request = try testCase.signedRequest(.header)
        var verifier = try testCase.verifier()
        verifier.sessionTokens = .reject
        let authorization = try verifier.authorization(of: request)
        #expect(throws: AuthError.sessionTokenRejected) {
            try verifier.verify(
                request, authorization: authorization,
                secretAccessKey: testCase.context().credentials.secret_access_key, now: testCase.now())
        }
    }

    @Test(arguments: cases.filter { (try? $0.context().omit_session_token) == true })
    func unsignedQueryTokenIsRejected(_ testCase: SigV4TestSuiteCase) throws {
        let request = try testCase.signedRequestAsWritten(.query)
        #expect(request.query.contains("X-Amz-Security-Token="))
        #expect(throws: AuthError.signatureMismatch) { try verify(testCase, form: .query, request) }
    }

    private func verify(_ testCase: SigV4TestSuiteCase, form: SigV4TestSuiteCase.Form, _ request: SigV4Request) throws {
        let verifier = try testCase.verifier()
        let authorization = try verifier.authorization(of: request)
        try verifier.verify(
            request, authorization: authorization,
            secretAccessKey: testCase.context().credentials.secret_access_key, now: testCase.now())
    }

    private func expectRejected(
        _ testCase: SigV4TestSuiteCase, form: SigV4TestSuiteCase.Form, _ request: SigV4Request
    ) throws {
        let error = #expect(throws: AuthError.self) { try verify(testCase, form: form, request) }
        #expect(error?.code == .invalidSignature)
    }
}
