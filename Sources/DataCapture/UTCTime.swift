import Foundation

/// A point in time broken into UTC calendar fields, computed arithmetically (no calendar or formatter objects).
struct UTCTime: Equatable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int
    var millisecond: Int

    /// Hours since 1970-01-01T00:00Z: the key of the hour directory a record belongs to.
    let epochHour: Int64

    init(_ date: Date) {
        let totalMilliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let (days, millisecondOfDay) = Self.floorDivide(totalMilliseconds, 86_400_000)
        epochHour = days * 24 + millisecondOfDay / 3_600_000
        hour = Int(millisecondOfDay / 3_600_000)
        minute = Int(millisecondOfDay / 60_000 % 60)
        second = Int(millisecondOfDay / 1000 % 60)
        millisecond = Int(millisecondOfDay % 1000)
        (year, month, day) = Self.civilDate(daysSinceEpoch: days)
    }

    /// `2026-11-23T10:11:12Z`, SageMaker's `inferenceTime` form.
    func appendISO8601(to output: inout [UInt8]) {
        appendDigits(year, 4, to: &output)
        output.append(UInt8(ascii: "-"))
        appendDigits(month, 2, to: &output)
        output.append(UInt8(ascii: "-"))
        appendDigits(day, 2, to: &output)
        output.append(UInt8(ascii: "T"))
        appendDigits(hour, 2, to: &output)
        output.append(UInt8(ascii: ":"))
        appendDigits(minute, 2, to: &output)
        output.append(UInt8(ascii: ":"))
        appendDigits(second, 2, to: &output)
        output.append(UInt8(ascii: "Z"))
    }

    /// `yyyy/mm/dd/hh`, the hour directory.
    var hourPath: String {
        var bytes: [UInt8] = []
        appendDigits(year, 4, to: &bytes)
        bytes.append(UInt8(ascii: "/"))
        appendDigits(month, 2, to: &bytes)
        bytes.append(UInt8(ascii: "/"))
        appendDigits(day, 2, to: &bytes)
        bytes.append(UInt8(ascii: "/"))
        appendDigits(hour, 2, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `MM-SS-mmm`, the time part of a capture file name.
    var fileTimePrefix: String {
        var bytes: [UInt8] = []
        appendDigits(minute, 2, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(second, 2, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(millisecond, 3, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private func appendDigits(_ value: Int, _ width: Int, to output: inout [UInt8]) {
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

    /// Howard Hinnant's `civil_from_days`.
    private static func civilDate(daysSinceEpoch: Int64) -> (Int, Int, Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }
}
