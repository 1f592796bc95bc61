import Foundation
import Testing

@testable import GatewayAuth

/// Signing for S3 (the gateway's own object store calls): the canonical URI is the path as sent, and the payload
/// hash is the `x-amz-content-sha256` header. Checked against the "GET Object" example of AWS's S3 SigV4
/// documentation (Authenticating Requests: Using the Authorization Header).
@Suite struct SigV4S3SigningTests {
    @Test func theAWSGetObjectExampleSignsAsDocumented() throws {
        let signer = SigV4Signer(
            accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            region: "us-east-1", service: "s3")
        let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        let request = SigV4Request(
            method: "GET", path: "/test.txt", query: "",
            headers: [
                ("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9"),
                ("x-amz-content-sha256", emptyHash),
            ], bodySHA256: emptyHash)
        let signed = signer.sign(request, date: Date(timeIntervalSince1970: 1_369_353_600))  // 2013-05-24T00:00:00Z
        let authorization = try #require(signed.firstValue(of: "authorization"))
        #expect(
            authorization
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test func s3PathsAreNotEncodedTwiceNorNormalised() throws {
        let signer = SigV4Signer(accessKeyID: "A", secretAccessKey: "S", region: "us-east-1", service: "s3")
        // The same key signed for S3 and for another service gives different signatures: S3 signs `%20` as is.
        let request = SigV4Request(
            method: "PUT", path: "/bucket/a%20b/./c", query: "", headers: [("Host", "h")], body: Array("x".utf8))
        let date = Date(timeIntervalSince1970: 1_800_000_000)
        let s3 = signer.sign(request, date: date).firstValue(of: "authorization")
        var other = signer
        other.service = "sagemaker"
        #expect(s3 != other.sign(request, date: date).firstValue(of: "authorization"))
    }
}
