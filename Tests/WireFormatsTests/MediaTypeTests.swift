import Testing
import WireFormats

@Suite struct MediaTypeTests {
    @Test func acceptRangesParse() {
        #expect(
            MediaType.acceptRanges("text/csv;q=0.2, Application/JSON , */*;q=0.1")
                == ["application/json", "text/csv", "*/*"])
        #expect(MediaType.acceptRanges(" , ").isEmpty)
        #expect(MediaType.acceptRanges("\ttext/csv ; q = 0.5 ,text/plain;level=1;q=0") == ["text/csv"])
    }

    @Test func mediaTypesNormalize() {
        #expect(MediaType.normalize("Text/CSV; charset=utf-8") == "text/csv")
        #expect(MediaType.normalize(" \tapplication/json\t ") == "application/json")
        #expect(MediaType.normalize("application/json") == "application/json")
        #expect(MediaType.normalize(";x") == "")
        #expect(MediaType.normalize("TEXT/Ünïcode") == "text/ünïcode")
    }

    @Test(arguments: [
        ("text/csv", true), ("TEXT/CSV", true), ("text/csv; charset=utf-8", true), (" \ttext/Csv \t;x=1", true),
        ("text/csvx", false), ("text/cs", false), ("", false), (";text/csv", false),
    ])
    func matchesIgnoresParametersCaseAndSpaces(_ observed: String, _ expected: Bool) {
        var observed = observed
        let wanted = Array(MediaType.normalize("Text/CSV").utf8)
        #expect(observed.withUTF8 { MediaType.matches($0, wanted) } == expected)
    }

    @Test func concreteAndOutputContentTypes() {
        #expect(MediaType.isConcrete("application/json"))
        #expect(!MediaType.isConcrete("application/*"))
        #expect(!MediaType.isConcrete("application"))
        #expect(!MediaType.isConcrete("a/b/c"))
        #expect(MediaType.isOutputContentType("text/csv; charset=utf-8"))
        #expect(!MediaType.isOutputContentType("text/csv\r\nX-Injected: 1"))
    }
}
