import Foundation
import TestSupport
import Testing

extension ProcessTests {
    /// `/admin/keys` on a real gateway: changes apply to that gateway at once.
    @Suite("Key admin API")
    struct KeyAdmin {
        private static func post(_ auth: AuthGateway, _ path: String, _ json: String? = nil) async throws
            -> HTTP.Response
        {
            try await HTTP.request(
                .POST, auth.gateway.adminURL + path, headers: [("Content-Type", "application/json")],
                body: json.map { Array($0.utf8) } ?? [])
        }

        private static func get(_ auth: AuthGateway, _ path: String) async throws -> HTTP.Response {
            try await HTTP.request(.GET, auth.gateway.adminURL + path)
        }

        @Test func createShowListAndUseAKey() async throws {
            try await AuthGateway.run { auth in
                let created = try await Self.post(
                    auth, "/admin/keys",
                    #"{"name": "admin-made", "endpoints": ["keyed", "signed"], "rate": "100/s", "quota": "5000/day", "sigv4": true}"#
                )
                #expect(created.status == 201, "\(created.text)")
                let key = try NewKey(object: created.json)
                #expect(key.fields == ["id", "name", "apiKey", "accessKeyId", "secretAccessKey"])
                #expect(try await auth.invoke("keyed", apiKey: key.apiKey).status == 200)
                let signed = try await auth.invokeSigned(
                    "signed", accessKeyID: try #require(key.accessKeyID), secret: try #require(key.secretAccessKey))
                #expect(signed.status == 200, "\(signed.text)")

                let shown = try await Self.get(auth, "/admin/keys/\(key.id)")
                #expect(shown.status == 200)
                #expect(shown.json["status"] as? String == "active")
                #expect(shown.json["endpoints"] as? [String] == ["keyed", "signed"])
                #expect((shown.json["rateLimit"] as? [String: Any])?["burst"] as? Int == 100)
                #expect((shown.json["quota"] as? [String: Any])?["period"] as? String == "day")
                #expect(shown.json["accessKeyId"] as? String == key.accessKeyID)

                let listed = try await Self.get(auth, "/admin/keys")
                #expect(listed.status == 200)
                let keys = listed.json["keys"] as? [[String: Any]] ?? []
                #expect(keys.map { $0["id"] as? String } == [key.id])
                #expect(!listed.text.contains(key.apiKey))
                #expect(!listed.text.contains(try #require(key.secretAccessKey)))
                #expect(!listed.text.contains("apiKey"))
            }
        }

        @Test func revokeAndRotateApplyAtOnce() async throws {
            try await AuthGateway.run { auth in
                let first = try NewKey(object: try await Self.post(auth, "/admin/keys", #"{"name": "one"}"#).json)
                let second = try NewKey(object: try await Self.post(auth, "/admin/keys", #"{"name": "two"}"#).json)
                #expect(try await auth.invoke("keyed", apiKey: first.apiKey).status == 200)

                let revoked = try await Self.post(auth, "/admin/keys/\(first.id)/revoke")
                #expect(revoked.status == 200)
                #expect(revoked.json["status"] as? String == "revoked")
                #expect(revoked.json["revokedAt"] as? String != nil)
                let refused = try await auth.invoke("keyed", apiKey: first.apiKey)
                #expect(refused.status == 403)
                #expect(refused.errorType == "AccessDeniedException")

                let rotation = try await Self.post(auth, "/admin/keys/\(second.id)/rotate")
                #expect(rotation.status == 200)
                let rotated = try NewKey(object: rotation.json)
                #expect(rotated.id == second.id)
                #expect(try await auth.invoke("keyed", apiKey: rotated.apiKey).status == 200)
                #expect(
                    try await auth.invoke("keyed", apiKey: second.apiKey).errorType == "UnrecognizedClientException")

                let again = try await Self.post(auth, "/admin/keys/\(first.id)/rotate")
                #expect(again.status == 400)
                #expect(again.errorType == "ValidationError")
            }
        }

        @Test func badRequestsAreNamed() async throws {
            try await AuthGateway.run { auth in
                let missing = try await Self.get(auth, "/admin/keys/nope12345678")
                #expect(missing.status == 404)
                #expect(missing.errorType == "ResourceNotFound")
                #expect(try await Self.post(auth, "/admin/keys/nope12345678/revoke").status == 404)
                for body in [
                    #"{"name": "x", "rate": "fast"}"#, #"{"name": "x", "endpoints": ["nope"]}"#, #"{"rate": "1/s"}"#,
                    "not json", #"{"name": ""}"#,
                ] {
                    let response = try await Self.post(auth, "/admin/keys", body)
                    #expect(response.status == 400, "\(body): \(response.text)")
                    #expect(response.errorType == "ValidationError")
                }
            }
        }

        @Test func keyOperationsNeedTheAdminToken() async throws {
            try await AuthGateway.run(server: "admin_token = \"admin-secret\"") { auth in
                let anonymous = try await Self.get(auth, "/admin/keys")
                #expect(anonymous.status == 403)
                #expect(anonymous.errorType == "MissingAuthenticationTokenException")
                let created = try await HTTP.request(
                    .POST, auth.gateway.adminURL + "/admin/keys",
                    headers: [("Authorization", "Bearer admin-secret")], body: Array(#"{"name": "ok"}"#.utf8))
                #expect(created.status == 201)
            }
        }
    }
}
