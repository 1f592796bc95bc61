import Foundation
import WireFormats

/// Parsing of ISO-8601 times as captures and command lines write them.
enum Timestamp {
    /// Parses `2026-11-23T10:11:12Z` (fast path, optional `.fff`) and the other forms of ``MonitorRunner/parseTimestamp(_:)``.
    static func parse(_ text: String) -> Date? {
        UTCTime.parseISO8601(text) ?? formatters.lazy.compactMap { $0.date(from: text) }.first
    }

    private static let formatters: [DateFormatter] = [
        "yyyy-MM-dd'T'HH:mm:ss.SSSXXXXX", "yyyy-MM-dd'T'HH:mm:ssXXXXX", "yyyy-MM-dd'T'HH:mmXXXXX",
        "yyyy-MM-dd'T'HH:mm:ss.SSS", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd",
    ].map { pattern in
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = pattern
        return formatter
    }

    /// The start of the UTC hour `year/month/day/hour` (a capture hour directory).
    static func hourStart(year: Int, month: Int, day: Int, hour: Int) -> Date {
        let days = UTCTime.daysFromCivil(year: year, month: month, day: day)
        return Date(timeIntervalSince1970: Double(days * 86_400 + hour * 3600))
    }
}
