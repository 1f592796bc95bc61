import Foundation
import Testing
import WireFormats

@Suite struct UTCTimeTests {
    @Test func timeFieldsAreUTC() {
        let time = UTCTime(Date(timeIntervalSince1970: 1_709_164_800.007))  // 2024-02-29T00:00:00.007Z
        #expect(
            [time.year, time.month, time.day, time.hour, time.minute, time.second] as [Int] == [2024, 2, 29, 0, 0, 0])
        #expect(time.millisecond == 7)
        #expect(time.epochHour == 1_709_164_800 / 3600)
        #expect(time.hourPath == "2024/02/29/00")
        #expect(time.fileTimePrefix == "00-00-007")
        var text: [UInt8] = []
        UTCTime(Date(timeIntervalSince1970: 1_795_428_672.999)).appendISO8601(to: &text)
        #expect(String(decoding: text, as: UTF8.self) == "2026-11-23T10:11:12Z")
    }

    @Test func timesBeforeTheEpochRoundDown() {
        let time = UTCTime(Date(timeIntervalSince1970: -0.5))
        #expect(
            [time.year, time.month, time.day, time.hour, time.minute, time.second] as [Int] == [
                1969, 12, 31, 23, 59, 59,
            ])
        #expect(time.millisecond == 500)
        #expect(time.epochHour == -1)
    }

    @Test func amzDateRoundTrips() throws {
        let date = try #require(UTCTime.parseBasicISO8601("20150830T123600Z"))
        #expect(date == ISO8601DateFormatter().date(from: "2015-08-30T12:36:00Z"))
        #expect(UTCTime(date).basicISO8601 == "20150830T123600Z")
        #expect(UTCTime(Date(timeIntervalSince1970: 951_782_400)).basicISO8601 == "20000229T000000Z")
        #expect(UTCTime.parseBasicISO8601("2015-08-30T12:36:00Z") == nil)
        #expect(UTCTime.parseBasicISO8601("20151330T123600Z") == nil)
    }

    @Test(arguments: [
        ("2026-11-23T10:11:12Z", 1_795_428_672.0), ("2026-11-23T10:11:12.5Z", 1_795_428_672.5),
        ("2024-02-29T00:00:00Z", 1_709_164_800),
    ])
    func parsesTheExtendedForm(_ text: String, _ seconds: Double) {
        #expect(UTCTime.parseISO8601(text)?.timeIntervalSince1970 == seconds)
    }

    @Test(arguments: ["2026-11-23T10:11:12", "2026-11-23T10:11:12.Z", "2026-11-23T25:11:12Z", "2026-11-23 10:11:12Z"])
    func rejectsOtherForms(_ text: String) {
        #expect(UTCTime.parseISO8601(text) == nil)
    }

    @Test func civilDatesRoundTrip() {
        for days in stride(from: -800_000, through: 800_000, by: 997) {
            let (year, month, day) = UTCTime.civilFromDays(days)
            #expect(UTCTime.daysFromCivil(year: year, month: month, day: day) == days)
        }
        #expect(UTCTime.daysFromCivil(year: 2000, month: 3, day: 1) == 11_017)
    }
}
