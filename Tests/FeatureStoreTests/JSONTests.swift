import NIOCore
import Testing
import WireFormats

@testable import FeatureStore

@Suite struct JSONPathTests {
    @Test func parsesMembersIndexesAndQuotedNames() throws {
        let path = try JSONPath(parsing: "$.a.b[0]['c d']")
        #expect(path.components == [.key("a"), .key("b"), .index(0), .key("c d")])
    }

    @Test(arguments: ["a.b", "$.", "$[x]", "$.a[", "$a"])
    func rejectsInvalidPaths(text: String) {
        #expect(throws: FeatureStoreError.self) { try JSONPath(parsing: text) }
    }
}

@Suite struct JSONScannerTests {
    private func value(_ json: String, _ path: String) throws -> String? {
        let bytes = Array(json.utf8)
        let components = try JSONPath(parsing: path).components
        return try bytes.withUnsafeBytes { raw in
            let scanner = JSONScanner(bytes: raw)
            guard let range = try scanner.find(components[...], inValueAt: scanner.skipWhitespace(0)) else {
                return nil
            }
            return try scanner.scalarText(range)
        }
    }

    @Test func findsNestedValues() throws {
        let json = #" { "a": {"x": [1, {"y": "deep"}]}, "b": 2.5, "c": true } "#
        #expect(try value(json, "$.a.x[1].y") == "deep")
        #expect(try value(json, "$.a.x[0]") == "1")
        #expect(try value(json, "$.b") == "2.5")
        #expect(try value(json, "$.c") == "true")
    }

    @Test func missingAndNullAreNil() throws {
        #expect(try value(#"{"a": null}"#, "$.a") == nil)
        #expect(try value(#"{"a": 1}"#, "$.b") == nil)
        #expect(try value(#"{"a": [1]}"#, "$.a[3]") == nil)
    }

    @Test func skipsStringsContainingBracesAndEscapes() throws {
        #expect(try value(#"{"s": "}{\"]", "id": "u\u00e9\n"}"#, "$.id") == "ué\n")
    }

    @Test func matchesEscapedKeys() throws {
        #expect(try value(#"{"user\u005fid": "7"}"#, "$.user_id") == "7")
    }

    @Test func rejectsObjectsAsScalars() {
        #expect(throws: JSONScanner.Invalid.self) { try value(#"{"a": {"b": 1}}"#, "$.a") }
    }

    @Test func rejectsMalformedJSON() {
        #expect(throws: JSONScanner.Invalid.self) { try value(#"{"a" 1}"#, "$.a") }
        #expect(throws: JSONScanner.Invalid.self) { try value(#"{"a": "open}"#, "$.b") }
    }
}

@Suite struct FeatureJSONTests {
    @Test(arguments: ["0", "-1", "42", "3.25", "-0.5", "1e3", "2E-7", "1.5e+10"])
    func numbersStayNumbers(text: String) {
        #expect(FeatureJSON.isNumber(text))
    }

    @Test(arguments: ["", "-", "007", "1.", ".5", "1e", "NaN", "Infinity", "0x10", "1 ", "+1", "DE"])
    func otherTextIsNotANumber(text: String) {
        #expect(!FeatureJSON.isNumber(text))
    }

    @Test func writesObjectsInViewOrder() {
        let lookup = FeatureLookup(
            view: "user", entity: "1", features: ["age", "country", "note", "gone"],
            values: ["42", "DE", "say \"hi\"\n", nil], source: .redis)
        var buffer = ByteBuffer()
        FeatureJSON.writeObject(lookup, to: &buffer)
        #expect(String(buffer: buffer) == #"{"age":42,"country":"DE","note":"say \"hi\"\n","gone":null}"#)
    }
}

@Suite struct JSONInsertionTests {
    private let lookup = FeatureLookup(view: "user", entity: "1", features: ["age"], values: ["42"], source: .redis)

    private func insert(_ json: String, at path: String) throws -> String {
        let result = try Enricher.insert(lookup, at: JSONPath(parsing: path), into: ByteBuffer(string: json))
        return String(buffer: result)
    }

    @Test func appendsATopLevelMember() throws {
        #expect(
            try insert(#"{"user_id": "1", "x": [1, 2]}"#, at: "$.user")
                == #"{"user_id": "1", "x": [1, 2],"user":{"age":42}}"#)
    }

    @Test func insertsIntoAnEmptyObject() throws {
        #expect(try insert(" { } ", at: "$.user") == #" { "user":{"age":42}} "#)
    }

    @Test func createsIntermediateObjects() throws {
        #expect(try insert(#"{"a":1}"#, at: "$.features.user") == #"{"a":1,"features":{"user":{"age":42}}}"#)
    }

    @Test func insertsIntoAnExistingNestedObject() throws {
        #expect(
            try insert(#"{"features": {"item": {}}, "b": 2}"#, at: "$.features.user")
                == #"{"features": {"item": {},"user":{"age":42}}, "b": 2}"#)
    }

    @Test func replacesAnExistingValue() throws {
        #expect(try insert(#"{"user": "old", "b": 2}"#, at: "$.user") == #"{"user": {"age":42}, "b": 2}"#)
        #expect(try insert(#"{"features": 7}"#, at: "$.features.user") == #"{"features": {"user":{"age":42}}}"#)
    }

    @Test func rejectsNonObjectBodies() {
        #expect(throws: FeatureStoreError.self) { try insert("[1,2]", at: "$.user") }
        #expect(throws: FeatureStoreError.self) { try insert(#"{"a": "#, at: "$.user") }
    }
}
