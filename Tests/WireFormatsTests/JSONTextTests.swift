import Foundation
import Testing
import WireFormats

@Suite struct EncodingPrimitiveTests {
    @Test(arguments: [0, 1, 2, 3, 4, 5, 57, 256])
    func base64MatchesFoundation(_ length: Int) {
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        var output: [UInt8] = []
        bytes.withUnsafeBufferPointer { Base64.append($0, to: &output) }
        #expect(String(decoding: output, as: UTF8.self) == Data(bytes).base64EncodedString())
    }

    @Test(
        arguments: [
            [0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
            [0x80], [0xE2, 0x82], [0xC3],
        ] as [[UInt8]])
    func illFormedUTF8IsRefused(_ bytes: [UInt8]) {
        var output: [UInt8] = [1]
        let accepted = bytes.withUnsafeBufferPointer { JSONText.appendString($0, to: &output) }
        #expect(!accepted)
        #expect(output == [1])
    }
}

@Suite struct JSONTextTests {
    private static func minimal(_ text: String) -> String { JSONText.quoted(text) }

    private static func jsonSmart(_ text: String) -> String {
        var output: [UInt8] = []
        JSONText.appendString(text, escaping: .jsonSmart, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    @Test func minimalEscapesOnlyWhatJSONRequires() {
        #expect(Self.minimal("plain é ☃ 🙂") == "\"plain é ☃ 🙂\"")
        #expect(Self.minimal("q\"b\\s/n\nr\rt\tb\u{08}f\u{0C}") == #""q\"b\\s/n\nr\rt\tb\bf\f""#)
        #expect(Self.minimal("\u{01}\u{1F}\u{7F}\u{85}\u{2028}") == "\"\\u0001\\u001f\\u007f\u{85}\u{2028}\"")
        #expect(Self.minimal("") == "\"\"")
    }

    @Test func jsonSmartAlsoEscapesSlashC1AndGeneralPunctuation() {
        #expect(Self.jsonSmart("plain é ☃ 🙂") == "\"plain é ☃ 🙂\"")
        #expect(Self.jsonSmart("a/b\"\\\n\u{08}") == #""a\/b\"\\\n\b""#)
        #expect(Self.jsonSmart("\u{1F}\u{7F}\u{80}\u{9F}\u{A0}") == "\"\\u001F\\u007F\\u0080\\u009F\u{A0}\"")
        #expect(
            Self.jsonSmart("\u{1FFF}\u{2000}\u{2028}\u{20AC}\u{20FF}\u{2100}")
                == "\"\u{1FFF}\\u2000\\u2028\\u20AC\\u20FF\u{2100}\"")
    }

    @Test func escapeHandsOverRunsAndEscapesInOrder() {
        var pieces: [String] = []
        var text = "ab\"cd\n"
        let accepted = text.withUTF8 { bytes in
            JSONText.escape(bytes) { pieces.append(String(decoding: $0, as: UTF8.self)) }
        }
        #expect(accepted)
        #expect(pieces == ["ab", "\\\"", "cd", "\\n"])
    }

    @Test func uuidIsLowerCaseAndGrouped() {
        var output: [UInt8] = []
        JSONText.appendUUID(
            (0x12, 0x3E, 0x45, 0x67, 0xE8, 0x9B, 0x12, 0xD3, 0xA4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00),
            to: &output)
        #expect(String(decoding: output, as: UTF8.self) == "\"123e4567-e89b-12d3-a456-426614174000\"")
    }
}
