import Crypto
import FeatureStore
import Foundation
import GatewayAuth
import Logging
import Metrics
import Synchronization

/// Rate limits and quotas shared by every gateway that uses the same Redis (`[rate_limit] redis`): one hash per key,
/// `{prefix}:rl:{key id}`, changed by one Lua script per request, so that admitting is atomic across replicas and
/// uses Redis's clock (`TIME`), not the replicas' (ADR 0021).
///
/// The script is ``RateLimitState/admit(now:)`` in Lua: a refused request consumes neither the bucket nor the quota,
/// and a policy change restarts the counter whose limit changed. The hash expires once it holds nothing worth
/// keeping: after the quota window, or when the bucket would be full again.
///
/// When Redis fails (down, slow beyond `command_timeout`, an error reply), the request is allowed and the failure
/// counted in `mlgateway_rate_limit_store_errors_total`: an outage of the limits' store never blocks inference.
package final class RedisRateLimitStore: RateLimitStore {
    /// The script's source; its arguments are documented at its top.
    static let script = """
        -- KEYS[1]: the key's hash. ARGV: rate (tokens per second, 0 = none), burst, quota limit (0 = none),
        -- quota period ("day" or "month"). Returns {1} when allowed, {0, retry-after milliseconds, "rate"|"quota"}.
        local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
        local limit, period = tonumber(ARGV[3]), ARGV[4]
        local time = redis.call('TIME')
        local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
        local h = redis.call('HMGET', KEYS[1], 'rate', 'burst', 'tokens', 'updated', 'limit', 'period', 'used', 'window_end')

        -- Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil).
        local function days_from_civil(y, m, d)
          if m <= 2 then y = y - 1 end
          local era = math.floor(y / 400)
          local yoe = y - era * 400
          local mp = (m > 2) and (m - 3) or (m + 9)
          local doy = math.floor((153 * mp + 2) / 5) + d - 1
          local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
          return era * 146097 + doe - 719468
        end
        -- The end of the UTC day or month holding now, in seconds since 1970.
        local function window_end(at)
          local days = math.floor(at / 86400)
          if period == 'day' then return (days + 1) * 86400 end
          local z = days + 719468
          local era = math.floor(z / 146097)
          local doe = z - era * 146097
          local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
          local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
          local mp = math.floor((5 * doy + 2) / 153)
          local m = (mp < 10) and (mp + 3) or (mp - 9)
          local y = yoe + era * 400 + ((m <= 2) and 1 or 0)
          if m == 12 then return days_from_civil(y + 1, 1, 1) * 86400 end
          return days_from_civil(y, m + 1, 1) * 86400
        end

        local tokens, used, ends = 0, 0, 0
        if rate > 0 then
          if tonumber(h[1]) == rate and tonumber(h[2]) == burst and h[3] then
            tokens = math.min(burst, tonumber(h[3]) + math.max(0, now - tonumber(h[4])) * rate)
          else
            tokens = burst
          end
        end
        if limit > 0 then
          if tonumber(h[5]) == limit and h[6] == period and h[7] and tonumber(h[8]) > now then
            used, ends = tonumber(h[7]), tonumber(h[8])
          else
            used, ends = 0, window_end(now)
          end
          if used >= limit then return {0, math.ceil((ends - now) * 1000), 'quota'} end
        end
        if rate > 0 and tokens < 1 then return {0, math.ceil((1 - tokens) / rate * 1000), 'rate'} end

        local keep = 0
        if rate > 0 then
          tokens = tokens - 1
          keep = (burst - tokens) / rate
        end
        if limit > 0 then
          used = used + 1
          keep = math.max(keep, ends - now)
        end
        redis.call('HSET', KEYS[1], 'rate', ARGV[1], 'burst', ARGV[2], 'tokens', string.format('%.17g', tokens),
          'updated', string.format('%.17g', now), 'limit', ARGV[3], 'period', period, 'used', used, 'window_end', ends)
        redis.call('PEXPIRE', KEYS[1], math.ceil(keep * 1000) + 60000)
        return {1}
        """

    /// The script's SHA-1, for `EVALSHA`.
    static let scriptSHA1 = Insecure.SHA1.hash(data: Data(script.utf8)).map { String(format: "%02x", $0) }.joined()

    private let redis: RedisClient
    private let keyPrefix: String
    private let logger: Logger
    private let errors = Counter(label: "mlgateway_rate_limit_store_errors_total")
    /// The second (since 1970) of the last warning about a failure, so that an outage logs once per
    /// ``warningInterval`` seconds.
    private let lastWarning = Atomic<Int64>(0)
    private static let warningInterval: Int64 = 10

    /// A store over `redis`, keeping hashes under `{keyPrefix}:rl:`.
    package init(redis: RedisClient, keyPrefix: String, logger: Logger) {
        self.redis = redis
        self.keyPrefix = keyPrefix
        self.logger = logger
    }

    /// Runs the script for `key` (the clock is Redis's: `now` is not used).
    package func admit(key: String, policy: RateLimitPolicy, now: Date) async -> RateLimitDecision {
        let arguments = [
            "\(keyPrefix):rl:\(key)",
            policy.rateLimit.map { "\($0.perSecond)" } ?? "0", policy.rateLimit.map { "\($0.burst)" } ?? "0",
            policy.quota.map { "\($0.limit)" } ?? "0", policy.quota?.period.rawValue ?? "",
        ]
        do {
            let reply: RESPValue
            do {
                reply = try await redis.command(["EVALSHA", Self.scriptSHA1, "1"] + arguments)
            } catch .server(let message) where message.hasPrefix("NOSCRIPT") {
                // First use on this Redis (or after a restart or SCRIPT FLUSH): EVAL also caches the script.
                reply = try await redis.command(["EVAL", Self.script, "1"] + arguments)
            }
            return try Self.decision(reply.throwingServerError())
        } catch {
            failed(error.description)
            return .allowed
        }
    }

    /// The decision in the script's reply.
    static func decision(_ reply: RESPValue) throws(RedisError) -> RateLimitDecision {
        guard let values = reply.array, let allowed = values.first?.int else {
            throw .unexpectedReply(command: "EVALSHA", reply: "\(reply)")
        }
        if allowed == 1 { return .allowed }
        guard values.count == 3, let milliseconds = values[1].int,
            let limit = values[2].string.flatMap(RateLimitDecision.Limit.init(rawValue:))
        else {
            throw .unexpectedReply(command: "EVALSHA", reply: "\(reply)")
        }
        let bounded = min(max(milliseconds, 1), 31_536_000_000)  // 1 ms … a year, whatever the reply says
        return .throttled(retryAfter: Int((bounded + 999) / 1000), limit: limit)
    }

    private func failed(_ reason: String) {
        errors.increment()
        let second = Int64(Date().timeIntervalSince1970)
        let last = lastWarning.load(ordering: .relaxed)
        guard second - last >= Self.warningInterval,
            lastWarning.compareExchange(expected: last, desired: second, ordering: .relaxed).exchanged
        else { return }
        logger.warning(
            "Rate limits not checked: Redis failed, requests are allowed meanwhile",
            metadata: ["rate_limit.error": "\(reason)"])
    }

    /// Closes the Redis connections.
    package func shutdown() async {
        await redis.shutdown()
    }
}
