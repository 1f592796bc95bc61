import Testing

@testable import FeatureStore

@Suite struct RedisURLTests {
    @Test func parsesHostPortAndDatabase() throws {
        let url = try RedisURL(parsing: "redis://10.0.0.5:6380/3")
        #expect(url == RedisURL(host: "10.0.0.5", port: 6380, database: 3))
    }

    @Test func defaultsPortAndDatabase() throws {
        #expect(try RedisURL(parsing: "redis://cache") == RedisURL(host: "cache", port: 6379, database: 0))
        #expect(try RedisURL(parsing: "redis://cache/") == RedisURL(host: "cache"))
    }

    @Test func parsesPasswordWithoutUser() throws {
        let url = try RedisURL(parsing: "redis://:s3cr%40t@127.0.0.1:6379/1")
        #expect(url.password == "s3cr@t")
        #expect(url.username == nil)
        #expect(url.database == 1)
    }

    @Test func parsesUserAndPassword() throws {
        let url = try RedisURL(parsing: "redis://app:pw@host:1/0")
        #expect(url.username == "app")
        #expect(url.password == "pw")
    }

    @Test func parsesBracketedIPv6() throws {
        #expect(try RedisURL(parsing: "redis://[::1]:7000/2") == RedisURL(host: "::1", port: 7000, database: 2))
    }

    @Test func masksThePasswordInDescription() throws {
        #expect(try RedisURL(parsing: "redis://:pw@h:1/0").description == "redis://:***@h:1/0")
    }

    @Test(arguments: [
        ("http://h:1/0", "must start with redis://"),
        ("redis://:6379/0", "host is missing"),
        ("redis://h:99999/0", "port must be a number"),
        ("redis://h:abc", "port must be a number"),
        ("redis://h:1/x", "database must be a non-negative integer"),
        ("redis://:pw%zz@h", "invalid percent-encoding"),
    ])
    func rejectsInvalidURLs(text: String, reason: String) {
        #expect {
            try RedisURL(parsing: text)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }

    @Test func errorDoesNotLeakThePassword() {
        #expect {
            try RedisURL(parsing: "redis://:topsecret@h:abc")
        } throws: { error in
            !"\(error)".contains("topsecret")
        }
    }
}
