import Foundation
import Testing
import WireFormats

@testable import GatewayAuth

/// Requests recorded from boto3 1.43 (`invoke_endpoint` against `endpoint_url=http://127.0.0.1:8080`): it sends
/// no `x-amz-content-sha256`, and percent-encodes the endpoint name once in the path, which the canonical URI
/// encodes again.
@Suite struct Boto3VectorTests {
    static let secret = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"
    let verifier = SigV4Verifier(allowedRegions: ["us-east-1"])

    func request(path: String, amzDate: String, signedHeaders: String, signature: String, extra: [(String, String)])
        -> SigV4Request
    {
        SigV4Request(
            method: "POST", path: path, query: "",
            headers: [("Host", "127.0.0.1:8080"), ("Content-Type", "application/json")] + extra + [
                ("User-Agent", "Boto3/1.43.11 md/Botocore#1.43.11"),
                ("X-Amz-Date", amzDate),
                (
                    "Authorization",
                    "AWS4-HMAC-SHA256 Credential=MLGWTESTACCESSKEY123/\(amzDate.prefix(8))/us-east-1/sagemaker/aws4_request, SignedHeaders=\(signedHeaders), Signature=\(signature)"
                ),
                ("amz-sdk-request", "attempt=1"), ("Content-Length", "21"),
            ],
            body: Array("{\"instances\": [1, 2]}".utf8))
    }

    var plain: SigV4Request {
        request(
            path: "/endpoints/my-endpoint/invocations", amzDate: "20261123T090558Z",
            signedHeaders: "content-type;host;x-amz-date;x-amzn-sagemaker-custom-attributes",
            signature: "114d316d0421c25c56282c66fdcd287378a5203761702581b34342f85c793e5e",
            extra: [("X-Amzn-SageMaker-Custom-Attributes", "a  b")])
    }

    var encoded: SigV4Request {
        request(
            path: "/endpoints/my%20ep%3A1/invocations", amzDate: "20261123T090610Z",
            signedHeaders:
                "content-type;host;x-amz-date;x-amzn-sagemaker-custom-attributes;x-amzn-sagemaker-target-variant",
            signature: "69154f4c8ebd236db097954cb79dc9fb75319c78579b569783f69f5ea2c794be",
            extra: [("X-Amzn-SageMaker-Custom-Attributes", "a  b"), ("X-Amzn-SageMaker-Target-Variant", "v 1")])
    }

    func verify(_ request: SigV4Request) throws {
        let authorization = try verifier.authorization(of: request)
        let now = try #require(UTCTime.parseBasicISO8601(authorization.amzDate))
        try verifier.verify(request, authorization: authorization, secretAccessKey: Self.secret, now: now)
    }

    @Test func invokeEndpointVerifies() throws {
        try verify(plain)
    }

    @Test func percentEncodedEndpointNameVerifies() throws {
        try verify(encoded)
        let authorization = try verifier.authorization(of: encoded)
        let canonical = try verifier.canonicalize(encoded, authorization: authorization).canonicalRequest
        #expect(canonical.hasPrefix("POST\n/endpoints/my%2520ep%253A1/invocations\n\n"))
    }

    @Test func signerReproducesBoto3() throws {
        let signer = SigV4Signer(accessKeyID: "MLGWTESTACCESSKEY123", secretAccessKey: Self.secret, region: "us-east-1")
        var unsigned = plain
        unsigned.headers = [
            ("Host", "127.0.0.1:8080"), ("Content-Type", "application/json"),
            ("X-Amzn-SageMaker-Custom-Attributes", "a  b"),
        ]
        let signed = signer.sign(unsigned, date: try #require(UTCTime.parseBasicISO8601("20261123T090558Z")))
        #expect(signed.firstValue(of: "authorization") == plain.firstValue(of: "authorization"))
    }
}
