import Foundation
import Testing

@testable import DriftMonitor

@Suite struct ValueKindTests {
    @Test(arguments: ["", "  ", "\t"])
    func blankIsMissing(_ text: String) {
        #expect(ValueKind(Substring(text)) == .missing)
    }

    @Test(arguments: [("42", 42.0), ("-7", -7), ("+3", 3), (" 12 ", 12)])
    func integral(_ text: String, _ value: Double) {
        #expect(ValueKind(Substring(text)) == .integral(value))
    }

    @Test(arguments: [("4.5", 4.5), ("-0.25", -0.25), ("1e3", 1000), (".5", 0.5), ("2.5E-1", 0.25)])
    func fractional(_ text: String, _ value: Double) {
        #expect(ValueKind(Substring(text)) == .fractional(value))
    }

    @Test(arguments: ["FR", "nan", "inf", "1.2.3", "12a", "-", "e5", "true", "1e"])
    func string(_ text: String) {
        #expect(ValueKind(Substring(text)) == .string)
    }
}

@Suite struct JSONParserTests {
    @Test func numbersKeepTheirText() throws {
        let value = try JSONParser.parse(#"{"a": 1, "b": 1.0, "c": -2e3, "d": [true, null, "x"]}"#)
        #expect(value["a"] == .number("1"))
        #expect(value["b"] == .number("1.0"))
        #expect(value["c"] == .number("-2e3"))
        #expect(value["d"] == .array([.bool(true), .null, .string("x")]))
    }

    @Test func escapesAndSurrogatePairs() throws {
        let value = try JSONParser.parse(#""q\"b\\s\/n\nu\u00e9\ud83d\ude42""#)
        #expect(value == .string("q\"b\\s/n\nu\u{e9}🙂"))
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"\u{01}\"", "tru", "{} x", "\"\\ud800\""])
    func invalidInputIsRefused(_ text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(text) }
    }

    @Test func sequenceOfValues() throws {
        let values = Array("{\"a\":1}\n{\"a\":2}\n".utf8).withUnsafeBufferPointer { try? JSONParser.parseSequence($0) }
        #expect(values?.count == 2)
    }
}

@Suite struct RowTests {
    @Test func instancesAndInputsExpand() throws {
        #expect(
            Row.rows(json: [try JSONParser.parse(#"{"instances": [{"a": 1}, {"a": 2}]}"#)])
                == [.named([("a", "1")]), .named([("a", "2")])])
        #expect(
            Row.rows(json: [try JSONParser.parse(#"{"inputs": [[1, 2], [3, null]]}"#)])
                == [.positional(["1", "2"]), .positional(["3", nil])])
    }

    @Test func nestedObjectsFlattenAndArraysBecomeText() throws {
        let rows = Row.rows(json: [try JSONParser.parse(#"{"user": {"age": 4, "city": "Paris"}, "tags": [1, 2]}"#)])
        #expect(rows == [.named([("user.age", "4"), ("user.city", "Paris"), ("tags", "[1,2]")])])
    }

    @Test func arraysAndFeatureLists() throws {
        #expect(Row.rows(json: [try JSONParser.parse("[1, 2, 3]")]) == [.positional(["1", "2", "3"])])
        #expect(
            Row.rows(json: [try JSONParser.parse(#"{"instances": [{"features": [1, 2]}]}"#)]) == [
                .positional(["1", "2"])
            ])
    }

    @Test func csvPayloadRows() {
        #expect(Row.rows(csv: "1,2\n3,4\n") == [.positional(["1", "2"]), .positional(["3", "4"])])
    }
}

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2026-11-23T10:11:12Z", 1_795_428_672.0), ("2026-11-23T10:11:12.5Z", 1_795_428_672.5),
        ("2026-11-23T10:11:12", 1_795_428_672), ("2026-11-23T11:11:12+01:00", 1_795_428_672),
        ("2026-11-23T10:11Z", 1_795_428_660), ("2026-11-23", 1_795_392_000),
    ])
    func parsesISO8601Forms(_ text: String, _ seconds: Double) {
        #expect(MonitorRunner.parseTimestamp(text)?.timeIntervalSince1970 == seconds)
    }

    @Test func rejectsGarbage() {
        #expect(MonitorRunner.parseTimestamp("yesterday") == nil)
    }
}
