import Foundation

/// A point in time broken into UTC calendar fields, and the ISO 8601 forms the wire formats use, computed
/// arithmetically (proleptic Gregorian, Howard Hinnant's algorithms): the capture writer formats a time per record
/// and SigV4 parses one per request, where `Calendar` and `DateFormatter` would cost allocations and locks.
public struct UTCTime: Equatable, Sendable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var millisecond: Int

    /// Hours since 1970-01-01T00:00Z: the key of the capture hour directory a record belongs to.
    public let epochHour: Int64

    /// The fields of `date`, rounded down to the millisecond.
    public init(_ date: Date) {
        let totalMilliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let (days, millisecondOfDay) = Self.floorDivide(totalMilliseconds, 86_400_000)
        epochHour = days * 24 + millisecondOfDay / 3_600_000
        hour = Int(millisecondOfDay / 3_600_000)
        minute = Int(millisecondOfDay / 60_000 % 60)
        second = Int(millisecondOfDay / 1000 % 60)
        millisecond = Int(millisecondOfDay % 1000)
        (year, month, day) = Self.civilFromDays(Int(days))
    }

    /// `2026-11-23T10:11:12Z`, SageMaker's `inferenceTime` form.
    public func appendISO8601(to output: inout [UInt8]) {
        Self.appendTriple(year, width: 4, month, day, separator: UInt8(ascii: "-"), to: &output)
        output.append(UInt8(ascii: "T"))
        Self.appendTriple(hour, width: 2, minute, second, separator: UInt8(ascii: ":"), to: &output)
        output.append(UInt8(ascii: "Z"))
    }

    /// `2026-11-23T10:11:12Z` as a string (event and report times).
    public var iso8601: String {
        var bytes: [UInt8] = []
        appendISO8601(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `20261123T101112Z`, the ISO 8601 basic form of SigV4's `X-Amz-Date`.
    public var basicISO8601: String {
        var bytes: [UInt8] = []
        Self.appendTriple(year, width: 4, month, day, separator: nil, to: &bytes)
        bytes.append(UInt8(ascii: "T"))
        Self.appendTriple(hour, width: 2, minute, second, separator: nil, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `yyyy/mm/dd/hh`, the capture hour directory.
    public var hourPath: String {
        var bytes: [UInt8] = []
        Self.appendTriple(year, width: 4, month, day, separator: UInt8(ascii: "/"), to: &bytes)
        bytes.append(UInt8(ascii: "/"))
        Self.appendDigits(hour, 2, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `MM-SS-mmm`, the time part of a capture file name.
    public var fileTimePrefix: String {
        var bytes: [UInt8] = []
        Self.appendDigits(minute, 2, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        Self.appendDigits(second, 2, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        Self.appendDigits(millisecond, 3, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses `yyyy-MM-dd'T'HH:mm:ss[.f…]'Z'` (what ``appendISO8601(to:)`` writes, fractions allowed); `nil` when
    /// the text has any other form.
    public static func parseISO8601(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z"), bytes[4] == UInt8(ascii: "-"),
            bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"),
            bytes[16] == UInt8(ascii: ":"),
            let seconds = epochSeconds(bytes, year: 0, month: 5, day: 8, hour: 11, minute: 14, second: 17)
        else { return nil }
        var fraction = 0.0
        if bytes.count > 20 {
            guard bytes[19] == UInt8(ascii: "."), bytes.count > 21 else { return nil }
            var scale = 0.1
            for byte in bytes[20..<(bytes.count - 1)] {
                guard isDigit(byte) else { return nil }
                fraction += Double(byte - UInt8(ascii: "0")) * scale
                scale /= 10
            }
        }
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// Parses `yyyyMMdd'T'HHmmss'Z'` (what ``basicISO8601`` writes); `nil` when malformed.
    public static func parseBasicISO8601(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z"),
            let seconds = epochSeconds(bytes, year: 0, month: 4, day: 6, hour: 9, minute: 11, second: 13)
        else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's `days_from_civil`).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date `days` after 1970-01-01 (Hinnant's `civil_from_days`).
    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Seconds since the epoch of the date and time whose two-digit fields (four for the year) start at the given
    /// offsets; `nil` when a field is not all digits or out of range.
    private static func epochSeconds(
        _ bytes: [UInt8], year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int
    ) -> Int? {
        guard let year = number(bytes, year, 4), let month = number(bytes, month, 2),
            let day = number(bytes, day, 2), let hour = number(bytes, hour, 2),
            let minute = number(bytes, minute, 2), let second = number(bytes, second, 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        return daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3_600 + minute * 60 + second
    }

    private static func number(_ bytes: [UInt8], _ start: Int, _ length: Int) -> Int? {
        var value = 0
        for byte in bytes[start..<(start + length)] {
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// Appends `first` (`width` digits) and two two-digit fields, `separator` between them.
    private static func appendTriple(
        _ first: Int, width: Int, _ second: Int, _ third: Int, separator: UInt8?, to output: inout [UInt8]
    ) {
        appendDigits(first, width, to: &output)
        if let separator { output.append(separator) }
        appendDigits(second, 2, to: &output)
        if let separator { output.append(separator) }
        appendDigits(third, 2, to: &output)
    }

    /// Appends `value` zero-padded to `width` digits (a wider value in full, a negative one as zeros).
    private static func appendDigits(_ value: Int, _ width: Int, to output: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var value = max(value, 0)
        if value >= divisor * 10 {
            output.append(contentsOf: String(value).utf8)
            return
        }
        while divisor > 0 {
            output.append(UInt8(ascii: "0") + UInt8(value / divisor))
            value %= divisor
            divisor /= 10
        }
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let quotient = value / divisor
        let remainder = value % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}
