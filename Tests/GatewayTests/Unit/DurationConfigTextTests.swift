import Testing

@testable import Gateway
@testable import InvocationCore

@Suite("Duration(configText:)")
struct DurationConfigTextTests {
    @Test(arguments: [
        ("250ms", Duration.milliseconds(250)),
        ("0ms", .zero),
        ("0s", .zero),
        ("30s", .seconds(30)),
        ("1.5s", .milliseconds(1500)),
        ("5m", .seconds(300)),
        ("2h", .seconds(7200)),
        ("7d", .seconds(604_800)),
        ("0.5ms", .milliseconds(1)),
        (" 3 s", .seconds(3)),
    ])
    func parses(text: String, expected: Duration) {
        #expect(Duration(configText: text) == expected)
    }

    @Test(arguments: ["", "30", "s", "ms", "-1s", "1x", "10 parsecs", "1e400s", "nans", "infs", "1.5.2s", "5 min"])
    func rejects(text: String) {
        #expect(Duration(configText: text) == nil)
    }

    @Test(arguments: ["1e300s", "100000000000d", "9223372036854775807ms", "36501d"])
    func rejectsDurationsTooLongToRepresent(text: String) {
        #expect(Duration(configText: text) == nil)
    }

    @Test func acceptsTheLongestDuration() throws {
        let duration = try #require(Duration(configText: "36500d"))
        #expect(duration == .seconds(36500 * 86400))
        #expect(duration.nanosecondCount == 36500 * 86400 * 1_000_000_000)
    }

    @Test func nanosecondCountOfAConfigDuration() throws {
        let duration = try #require(Duration(configText: "1.25s"))
        #expect(duration.nanosecondCount == 1_250_000_000)
    }
}
