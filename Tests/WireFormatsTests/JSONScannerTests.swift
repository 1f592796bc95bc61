import Testing
import WireFormats

@Suite struct JSONScannerTests {
    private func validationError(_ json: String) -> String? {
        Array(json.utf8).withUnsafeBytes { raw in
            do throws(JSONScanner.Invalid) {
                try JSONScanner(bytes: raw).validate()
                return nil
            } catch {
                return "\(error.reason) at \(error.offset)"
            }
        }
    }

    @Test func validatesWholeDocuments() {
        for valid in [
            #"{"a": [1, -2.5e+3, 0, true, false, null, "x\"\u00e9\n"], "b": {}}"#, " [] ", "\"s\"", "0", "-0.1E2",
        ] {
            #expect(validationError(valid) == nil, "\(valid)")
        }
        #expect(validationError(#"{"item":{"id":"i1"}} trailing"#) == "text after the JSON value at 21")
        #expect(validationError(#"{"item":{"id":i1}}"#) == "invalid number or value at 14")
        #expect(validationError(#"{"z":tru}"#) == "invalid literal at 5")
        #expect(validationError(#"{"a":1,}"#) == "member name expected at 7")
        #expect(validationError(#"[1 2]"#) == "',' or ']' expected at 3")
        #expect(validationError(#"{"a" 1}"#) == "':' expected at 5")
        #expect(validationError(#"["a\q"]"#) == "invalid escape at 3")
        #expect(validationError(#"[01]"#) == "invalid number or value at 1")
        #expect(validationError(#"[1.]"#) == "invalid number at 1")
        #expect(validationError("[\"a\u{01}\"]") == "control character in a string at 3")
        #expect(validationError(#"{"a": [1, 2"#) == "unterminated object or array at 6")
        #expect(validationError(String(repeating: "[", count: 600)) == "nested too deeply at 512")
        #expect(validationError("  ") == "empty body at 2")
    }

    private func string(_ json: String, strict: Bool) -> String {
        Array(json.utf8).withUnsafeBytes { raw in
            do throws(JSONScanner.Invalid) {
                let (value, end) = try JSONScanner(bytes: raw).string(at: 0, strict: strict)
                return end == raw.count ? value : "ended at \(end)"
            } catch {
                return "\(error.reason) at \(error.offset)"
            }
        }
    }

    @Test func stringsDecodeEscapesAndSurrogatePairs() {
        for strict in [true, false] {
            #expect(string(#""plain""#, strict: strict) == "plain")
            #expect(string(#""q\"b\\s\/n\nu\u00e9\ud83d\ude42""#, strict: strict) == "q\"b\\s/n\nué🙂")
            #expect(string(#""a\q""#, strict: strict) == "invalid escape at 2")
            #expect(string(#""a\u12G4""#, strict: strict) == "invalid \\u escape at 2")
            #expect(string(#""open"#, strict: strict) == "unterminated string at 0")
            #expect(string("\"a\\", strict: strict) == "unterminated string at 0")
        }
    }

    @Test func strictnessDecidesControlCharactersSurrogatesAndUTF8() {
        #expect(string("\"a\u{01}\"", strict: true) == "control character in a string at 2")
        #expect(string("\"a\u{01}\"", strict: false) == "a\u{01}")
        #expect(string(#""\ud83dx""#, strict: true) == "unpaired surrogate at 1")
        #expect(string(#""\ud83dx""#, strict: false) == "\u{FFFD}x")
        #expect(string(#""\ude42""#, strict: false) == "\u{FFFD}")
        let illFormed: [UInt8] = [0x22, 0x61, 0xC3, 0x22]
        let decoded = illFormed.withUnsafeBytes { raw in
            (try? JSONScanner(bytes: raw).string(at: 0, strict: true)) == nil
                && (try? JSONScanner(bytes: raw).string(at: 0, strict: false))?.value == "a\u{FFFD}"
        }
        #expect(decoded)
    }

    @Test func numbersFollowTheGrammar() {
        func number(_ text: String, leadingZeros: Bool = false) -> String {
            Array(text.utf8).withUnsafeBytes { raw in
                do throws(JSONScanner.Invalid) {
                    let (end, isInteger) = try JSONScanner(bytes: raw).numberEnd(0, allowingLeadingZeros: leadingZeros)
                    return "\(end) \(isInteger)"
                } catch {
                    return error.reason
                }
            }
        }
        #expect(number("-12,") == "3 true")
        #expect(number("1.5e+3]") == "6 false")
        #expect(number("0.0") == "3 false")
        #expect(number("007") == "invalid number or value")
        #expect(number("007", leadingZeros: true) == "3 true")
        #expect(number("-") == "invalid number or value")
        #expect(number("1e") == "invalid number")
    }
}
