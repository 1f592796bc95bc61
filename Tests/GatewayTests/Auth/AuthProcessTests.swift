import Foundation
import TestSupport
import Testing

extension ProcessTests {
    /// The credential error matrix of issue 5 through real `mlgateway` and `demo-backend` processes.
    @Suite("Authentication")
    struct Authentication {
        private static func expectError(
            _ response: HTTP.Response, _ status: Int, _ code: String, sourceLocation: SourceLocation = #_sourceLocation
        ) {
            #expect(response.status == status, "\(response.text)", sourceLocation: sourceLocation)
            #expect(response.errorType == code, "\(response.text)", sourceLocation: sourceLocation)
        }

        @Test func apiKeysAreAcceptedInEitherHeader() async throws {
            try await AuthGateway.run { auth in
                let key = try await auth.createKey("team-a")
                let viaHeader = try await auth.invoke("keyed", apiKey: key.apiKey)
                #expect(viaHeader.status == 200)
                #expect(viaHeader.variant == "Model")
                let viaBearer = try await auth.gateway.invoke(
                    "any", headers: [("Authorization", "Bearer \(key.apiKey)")])
                #expect(viaBearer.status == 200)
                #expect(try await auth.invoke("open", apiKey: nil).status == 200)
            }
        }

        @Test func missingCredentialsAre403MissingAuthenticationToken() async throws {
            try await AuthGateway.run { auth in
                for endpoint in ["keyed", "signed", "any"] {
                    let response = try await auth.invoke(endpoint, apiKey: nil)
                    Self.expectError(response, 403, "MissingAuthenticationTokenException")
                    #expect(response.json["message"] as? String ?? "" != "")
                }
                let metrics = try await auth.gateway.metrics()
                #expect(
                    metrics.value("mlgateway_auth_failures_total", ["reason": "MissingAuthenticationTokenException"])
                        == 3)
            }
        }

        @Test func unknownOrWrongAPIKeysAre403UnrecognizedClientAlike() async throws {
            try await AuthGateway.run { auth in
                let key = try await auth.createKey()
                let wrongSecret = String(key.apiKey.dropLast()) + (key.apiKey.last == "a" ? "b" : "a")
                let unknownID = "mlgw_zzzzzzzzzzzz_" + key.apiKey.split(separator: "_").last!
                let before =
                    try await auth.gateway.metrics()
                    .value("mlgateway_auth_failures_total", ["reason": "UnrecognizedClientException"]) ?? 0
                var messages: Set<String> = []
                for presented in [wrongSecret, unknownID, "not-a-key"] {
                    let response = try await auth.invoke("keyed", apiKey: presented)
                    Self.expectError(response, 403, "UnrecognizedClientException")
                    messages.insert(response.json["message"] as? String ?? "")
                }
                #expect(messages.count == 1, "the answers must not tell which key IDs exist: \(messages)")
                let metrics = try await auth.gateway.metrics()
                #expect(
                    metrics.value("mlgateway_auth_failures_total", ["reason": "UnrecognizedClientException"]) == before
                        + 3)
            }
        }

        @Test func endpointsRefuseCredentialsOfAnotherKind() async throws {
            try await AuthGateway.run { auth in
                let key = try await auth.createKey("both", ["--sigv4"])
                Self.expectError(
                    try await auth.invoke("signed", apiKey: key.apiKey), 403, "MissingAuthenticationTokenException")
                let signed = try await auth.invokeSigned(
                    "keyed", accessKeyID: try #require(key.accessKeyID), secret: try #require(key.secretAccessKey))
                Self.expectError(signed, 403, "MissingAuthenticationTokenException")
            }
        }

        @Test func sigV4SignedRequestsAreAccepted() async throws {
            try await AuthGateway.run { auth in
                let key = try await auth.createKey("aws", ["--sigv4"])
                let id = try #require(key.accessKeyID)
                let secret = try #require(key.secretAccessKey)
                for endpoint in ["signed", "any"] {
                    let response = try await auth.invokeSigned(endpoint, accessKeyID: id, secret: secret)
                    #expect(response.status == 200, "\(response.text)")
                    #expect(response.variant == "Model")
                }
                let unsignedHeader = try await auth.invokeSigned("signed", accessKeyID: id, secret: secret) { call in
                    call.headers.append(("X-Not-Signed", "anything"))
                }
                #expect(unsignedHeader.status == 200, "headers outside SignedHeaders do not count")
                #expect(try await auth.invoke("keyed", apiKey: key.apiKey).status == 200)
            }
        }

        @Test func sigV4SignatureFailuresAre403InvalidSignature() async throws {
            try await AuthGateway.run { auth in
                let key = try await auth.createKey("aws", ["--sigv4"])
                let id = try #require(key.accessKeyID)
                let secret = try #require(key.secretAccessKey)
                let wrongSecret = try await auth.invokeSigned("signed", accessKeyID: id, secret: secret + "x")
                Self.expectError(wrongSecret, 403, "InvalidSignatureException")
                let tamperedBody = try await auth.invokeSigned("signed", accessKeyID: id, secret: secret) {
                    $0.body = "9,9,9"
                }
                Self.expectError(tamperedBody, 403, "InvalidSignatureException")
                let tamperedPath = try await auth.invokeSigned("any", accessKeyID: id, secret: secret) {
                    $0.path = "/endpoints/other/invocations"
                }
                Self.expectError(tamperedPath, 403, "InvalidSignatureException")
                let tamperedHeader = try await auth.invokeSigned("signed", accessKeyID: id, secret: secret) {
                    $0.setHeader("Content-Type", "application/json")
                }
                Self.expectError(tamperedHeader, 403, "InvalidSignatureException")
                let wrongRegion = try await auth.invokeSigned(
                    "signed", accessKeyID: id, secret: secret, region: "eu-west-1")
                Self.expectError(wrongRegion, 403, "InvalidSignatureException")
            }
        }

        @Test func staleOrFutureAmzDateIs403SignatureExpired() async throws {
            try await AuthGateway.run { auth in
                let key = try await auth.createKey("aws", ["--sigv4"])
                let id = try #require(key.accessKeyID)
                let secret = try #require(key.secretAccessKey)
                let stale = try await auth.invokeSigned(
                    "signed", accessKeyID: id, secret: secret, date: Date().addingTimeInterval(-600))
                Self.expectError(stale, 403, "InvalidSignatureException")
                #expect((stale.json["message"] as? String ?? "").hasPrefix("Signature expired"), "\(stale.text)")
                let future = try await auth.invokeSigned(
                    "signed", accessKeyID: id, secret: secret, date: Date().addingTimeInterval(600))
                Self.expectError(future, 403, "InvalidSignatureException")
                #expect(
                    (future.json["message"] as? String ?? "").hasPrefix("Signature not yet current"), "\(future.text)")
            }
        }

        @Test func unknownAccessKeyIs403UnrecognizedClientAndMalformedIs400() async throws {
            try await AuthGateway.run { auth in
                let unknown = try await auth.invokeSigned(
                    "signed", accessKeyID: "MLGWUNKNOWNKEY000000", secret: "secret")
                Self.expectError(unknown, 403, "UnrecognizedClientException")
                let malformed = try await auth.gateway.invoke(
                    "signed",
                    headers: [
                        ("Authorization", "AWS4-HMAC-SHA256 Credential=broken"), ("X-Amz-Date", "20260101T000000Z"),
                    ])
                Self.expectError(malformed, 400, "IncompleteSignatureException")
            }
        }

        @Test func revokedExpiredAndOutOfScopeKeysAre403AccessDenied() async throws {
            try await AuthGateway.run { auth in
                let scoped = try await auth.createKey("scoped", ["--sigv4", "--endpoints", "keyed,signed"])
                let expired = try await auth.createKey("expired", ["--sigv4", "--expires", "2020-01-01"])
                let revoked = try await auth.createKey("revoked", ["--sigv4"])
                let revocation = try await auth.keys(["revoke", revoked.id])
                #expect(revocation.status == 0, "\(revocation.output)")
                try await eventually("the revocation applies", timeout: .seconds(5), interval: .milliseconds(50)) {
                    try await auth.invoke("any", apiKey: revoked.apiKey).status == 403
                }
                #expect(try await auth.invoke("keyed", apiKey: scoped.apiKey).status == 200)
                for key in [scoped, expired, revoked] {
                    Self.expectError(try await auth.invoke("any", apiKey: key.apiKey), 403, "AccessDeniedException")
                    let signed = try await auth.invokeSigned(
                        "any", accessKeyID: try #require(key.accessKeyID), secret: try #require(key.secretAccessKey))
                    Self.expectError(signed, 403, "AccessDeniedException")
                }
            }
        }

        @Test func overTheRateLimitIs429ThrottlingWithRetryAfter() async throws {
            try await AuthGateway.run { auth in
                let key = try await auth.createKey("limited", ["--rate", "1/h", "--burst", "2"])
                #expect(try await auth.invoke("keyed", apiKey: key.apiKey).status == 200)
                #expect(try await auth.invoke("keyed", apiKey: key.apiKey).status == 200)
                let throttled = try await auth.invoke("keyed", apiKey: key.apiKey)
                Self.expectError(throttled, 429, "ThrottlingException")
                let retryAfter = try #require(throttled.headers.first(name: "Retry-After").flatMap { Int($0) })
                #expect(retryAfter > 0 && retryAfter <= 3600)
                let metrics = try await auth.gateway.metrics()
                #expect(metrics.value("mlgateway_auth_throttled_total", ["key": key.id]) == 1)
            }
        }

        @Test func overTheQuotaIs429ThrottlingWithRetryAfter() async throws {
            try await AuthGateway.run { auth in
                let key = try await auth.createKey("quota", ["--quota", "1/day", "--sigv4"])
                let id = try #require(key.accessKeyID)
                let secret = try #require(key.secretAccessKey)
                #expect(try await auth.invokeSigned("signed", accessKeyID: id, secret: secret).status == 200)
                let throttled = try await auth.invokeSigned("signed", accessKeyID: id, secret: secret)
                Self.expectError(throttled, 429, "ThrottlingException")
                let retryAfter = try #require(throttled.headers.first(name: "Retry-After").flatMap { Int($0) })
                #expect(retryAfter > 0 && retryAfter <= 86_400)
            }
        }

        @Test func cliRevocationAndRotationApplyToTheRunningGateway() async throws {
            try await AuthGateway.run { auth in
                let rotated = try await auth.createKey("rotated")
                let revoked = try await auth.createKey("revoked")
                #expect(try await auth.invoke("keyed", apiKey: rotated.apiKey).status == 200)
                #expect(try await auth.invoke("keyed", apiKey: revoked.apiKey).status == 200)
                let rotation = try await auth.keys(["rotate", rotated.id, "--output", "json"])
                #expect(rotation.status == 0, "\(rotation.output)")
                let fresh = try NewKey(json: rotation.output)
                #expect(fresh.id == rotated.id)
                #expect(fresh.apiKey != rotated.apiKey)
                #expect(try await auth.keys(["revoke", revoked.id]).status == 0)
                // The gateway polls the key database every 250 ms; the deadline leaves room for a loaded machine.
                try await eventually("the revocation applies", timeout: .seconds(5), interval: .milliseconds(50)) {
                    try await auth.invoke("keyed", apiKey: revoked.apiKey).status == 403
                }
                try await eventually("the rotation applies", timeout: .seconds(5), interval: .milliseconds(50)) {
                    try await auth.invoke("keyed", apiKey: fresh.apiKey).status == 200
                }
                Self.expectError(try await auth.invoke("keyed", apiKey: revoked.apiKey), 403, "AccessDeniedException")
                Self.expectError(
                    try await auth.invoke("keyed", apiKey: rotated.apiKey), 403, "UnrecognizedClientException")
            }
        }
    }
}
