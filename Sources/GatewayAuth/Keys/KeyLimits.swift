import Foundation
import WireFormats

/// A token-bucket rate limit: `perSecond` requests per second on average, up to `burst` at once.
public struct RateLimit: Sendable, Hashable, Codable {
    /// Sustained rate in requests per second.
    public var perSecond: Double
    /// Bucket capacity (requests allowed at once after a quiet period).
    public var burst: Int

    /// The largest count of a rate and the largest burst: far beyond any real limit, and exact as a Lua number in a
    /// shared store.
    public static let maxCount: Double = 1_000_000_000_000
    /// The slowest rate accepted, one request an hour: slower ones make waits that overflow `Retry-After`.
    public static let minPerSecond: Double = 1.0 / 3_600

    /// Creates a rate limit.
    public init(perSecond: Double, burst: Int) {
        self.perSecond = perSecond
        self.burst = burst
    }

    /// Parses `100/s` or `600/m` (also `/sec`, `/min`, `/h`); `burst` defaults to the count given (100 or 600).
    public init(parsing text: String, burst: Int? = nil) throws(KeyStoreError) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let count = Double(parts[0].trimmingSpaces()), count > 0, count.isFinite else {
            throw .invalidArgument("rate '\(text)' must look like 100/s or 600/m")
        }
        guard count <= Self.maxCount else {
            throw .invalidArgument("rate '\(text)' is over \(Int(Self.maxCount)) requests per period")
        }
        let seconds: Double
        switch parts[1].trimmingSpaces().lowercased() {
        case "s", "sec", "second": seconds = 1
        case "m", "min", "minute": seconds = 60
        case "h", "hour": seconds = 3_600
        default: throw .invalidArgument("rate '\(text)' must be per s, m or h, e.g. 100/s")
        }
        guard count / seconds >= Self.minPerSecond else {
            throw .invalidArgument("rate '\(text)' allows less than one request an hour, e.g. use 1/h or a quota")
        }
        let capacity = burst ?? max(1, Int(count.rounded(.up)))
        guard (1...Int(Self.maxCount)).contains(capacity) else {
            throw .invalidArgument("burst must be between 1 and \(Int(Self.maxCount))")
        }
        self.init(perSecond: count / seconds, burst: capacity)
    }
}

/// Length of a quota window; windows are aligned to UTC days and calendar months.
public enum QuotaPeriod: String, Sendable, Hashable, Codable, CaseIterable {
    /// A UTC calendar day.
    case day
    /// A UTC calendar month.
    case month

    /// End of the window that contains `date` (next UTC midnight, or first of the next month).
    public func windowEnd(containing date: Date) -> Date {
        let days = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
        switch self {
        case .day:
            return Date(timeIntervalSince1970: TimeInterval((days + 1) * 86_400))
        case .month:
            let (year, month, _) = UTCTime.civilFromDays(days)
            let next =
                month == 12
                ? UTCTime.daysFromCivil(year: year + 1, month: 1, day: 1)
                : UTCTime.daysFromCivil(year: year, month: month + 1, day: 1)
            return Date(timeIntervalSince1970: TimeInterval(next * 86_400))
        }
    }
}

/// At most `limit` requests per `period`.
public struct Quota: Sendable, Hashable, Codable {
    /// Requests allowed per window.
    public var limit: Int
    /// Window length.
    public var period: QuotaPeriod

    /// Creates a quota.
    public init(limit: Int, period: QuotaPeriod) {
        self.limit = limit
        self.period = period
    }

    /// Parses `1000000/month` or `5000/day`.
    public init(parsing text: String) throws(KeyStoreError) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let limit = Int(parts[0].trimmingSpaces()), limit > 0 else {
            throw .invalidArgument("quota '\(text)' must look like 1000000/month or 5000/day")
        }
        guard Double(limit) <= RateLimit.maxCount else {
            throw .invalidArgument("quota '\(text)' is over \(Int(RateLimit.maxCount)) requests per period")
        }
        guard let period = QuotaPeriod(rawValue: parts[1].trimmingSpaces().lowercased()) else {
            throw .invalidArgument("quota '\(text)' must be per day or per month")
        }
        self.init(limit: limit, period: period)
    }
}

/// Parses key expiry options.
public enum KeyExpiry {
    /// Parses `2027-01-01` (UTC midnight) or a duration from `now`: `30d`, `12h`.
    public static func parse(_ text: String, now: Date = Date()) throws(KeyStoreError) -> Date {
        let trimmed = text.trimmingSpaces()
        if let unit = trimmed.last, unit == "d" || unit == "h", let count = Int(trimmed.dropLast()), count > 0,
            count <= (unit == "d" ? 36_500 : 876_000)
        {
            return now.addingTimeInterval(TimeInterval(count) * (unit == "d" ? 86_400 : 3_600))
        }
        let parts = trimmed.split(separator: "-")
        if parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...31).contains(day)
        {
            let days = UTCTime.daysFromCivil(year: year, month: month, day: day)
            let (checkYear, checkMonth, checkDay) = UTCTime.civilFromDays(days)
            if (checkYear, checkMonth, checkDay) == (year, month, day) {
                return Date(timeIntervalSince1970: TimeInterval(days * 86_400))
            }
        }
        throw .invalidArgument("expiry '\(text)' must be a date like 2027-01-01 or a duration like 30d or 12h")
    }
}
