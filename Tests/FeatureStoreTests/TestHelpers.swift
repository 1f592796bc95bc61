import Foundation
import Logging
import TestSupport

@testable import FeatureStore

/// Runs `body` with a fresh redis-server, stopped afterwards.
func withRedis<Result>(
    password: String? = nil, _ body: (RedisServer) async throws -> Result
) async throws -> Result {
    let server = try await RedisServer.start(password: password)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// A client for `server` with short timeouts and backoff, so failure tests run fast.
func makeClient(_ server: RedisServer, database: Int = 0, poolSize: Int = 2) throws -> RedisClient {
    RedisClient(
        configuration: fastClientConfiguration(
            try RedisURL(parsing: server.url(database: database)), poolSize: poolSize))
}

func fastClientConfiguration(_ url: RedisURL, poolSize: Int = 2) -> RedisClient.Configuration {
    RedisClient.Configuration(
        url: url, poolSize: poolSize, connectTimeout: .seconds(2), commandTimeout: .seconds(2),
        backoffBase: .milliseconds(20), backoffMax: .milliseconds(200))
}

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let offset = Locked(Duration.zero)
    private let start = ContinuousClock.now
    private let unixStart: Int64 = 1_700_000_000_000

    func advance(_ duration: Duration) { offset.withLock { $0 += duration } }

    var featureClock: FeatureClock {
        FeatureClock(
            now: { self.start + self.offset.withLock { $0 } },
            unixMilliseconds: { self.unixStart + FeatureService.milliseconds(self.offset.withLock { $0 }) })
    }

    /// The clock's wall time in Unix milliseconds.
    var unixMilliseconds: Int64 { featureClock.unixMilliseconds() }
}

/// A feature service over `server` with the test's clock.
func makeService(
    _ server: RedisServer, views: [FeatureViewConfiguration], onError: FeatureStoreConfiguration.OnError = .stale,
    cacheEntries: Int = 1000, maxStaleness: Duration = .seconds(600), clock: ManualClock = ManualClock()
) throws -> FeatureService {
    let url = try RedisURL(parsing: server.url)
    var configuration = FeatureStoreConfiguration(
        redis: url, cacheEntries: cacheEntries, onError: onError, maxStaleness: maxStaleness)
    // These tests are about what is served, not when: a loaded test machine must not turn reads into fallbacks.
    configuration.lookupBudget = .seconds(30)
    return try FeatureService(
        configuration: configuration, views: views,
        redis: RedisClient(configuration: fastClientConfiguration(url)), clock: clock.featureClock,
        logger: Logger(label: "test"))
}

/// The `user` view used by most tests.
func userView(
    defaults: [String: String] = [:], cacheTTL: Duration = .seconds(30), maxAge: Duration? = nil,
    warmup: FeatureViewConfiguration.Warmup? = nil
) -> FeatureViewConfiguration {
    FeatureViewConfiguration(
        name: "user", features: ["age", "country", "avg_spend"], cacheTTL: cacheTTL, maxAge: maxAge,
        defaults: defaults, warmup: warmup)
}

/// Writes a user hash in the native layout.
func storeUser(
    _ client: RedisClient, _ entity: String, age: String, country: String, spend: String, timestamp: Int64
) async throws {
    try await client.command([
        "HSET", "mlgw:user:\(entity)", "age", age, "country", country, "avg_spend", spend, "_ts", String(timestamp),
    ])
}

/// A temporary file with `contents`.
func temporaryFile(_ contents: String, extension fileExtension: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("features-\(UUID().uuidString).\(fileExtension)")
    try Data(contents.utf8).write(to: url)
    return url
}
