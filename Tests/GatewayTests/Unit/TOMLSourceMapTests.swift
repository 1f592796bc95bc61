import Testing

@testable import Gateway
@testable import InvocationCore

@Suite("TOMLSourceMap")
struct TOMLSourceMapTests {
    static let text = """
        # comment = 1
        top = "x"

        [server]
        listen = "127.0.0.1:8080" # trailing comment
          admin_listen = "a#b"

        [[endpoint]]
        name = "first"
        [endpoint.circuit_breaker]
        failure_threshold = 3

        [[endpoint.variant]]
        name = "A"

        [[endpoint.variant]]
        name = "B"
        "quoted" = 1
        dotted.inner = 2

        [[endpoint]]
        name = "second"

        [[endpoint.variant]]
        name = "C"
        """

    private let map = TOMLSourceMap(text: text)

    @Test func locatesTopLevelKeys() {
        #expect(map.line(of: "top") == 2)
    }

    @Test func locatesTablesAndTheirKeys() {
        #expect(map.line(of: "server") == 4)
        #expect(map.line(of: "server.listen") == 5)
        #expect(map.line(of: "server.admin_listen") == 6)
    }

    @Test func commentsAreIgnoredButHashesInStringsAreNot() {
        #expect(map.line(of: "comment") == nil)
        #expect(map.line(of: "server.admin_listen") == 6)
    }

    @Test func indexesArraysOfTablesInFileOrder() {
        #expect(map.line(of: "endpoint[0]") == 8)
        #expect(map.line(of: "endpoint[0].name") == 9)
        #expect(map.line(of: "endpoint[1]") == 21)
        #expect(map.line(of: "endpoint[1].name") == 22)
    }

    @Test func nestedArraysOfTablesBelongToTheirParentElement() {
        #expect(map.line(of: "endpoint[0].variant[0]") == 13)
        #expect(map.line(of: "endpoint[0].variant[0].name") == 14)
        #expect(map.line(of: "endpoint[0].variant[1].name") == 17)
        #expect(map.line(of: "endpoint[1].variant[0].name") == 25)
        #expect(map.line(of: "endpoint[1].variant[1]") == 21)
    }

    @Test func subTablesOfAnArrayElement() {
        #expect(map.line(of: "endpoint[0].circuit_breaker") == 10)
        #expect(map.line(of: "endpoint[0].circuit_breaker.failure_threshold") == 11)
    }

    @Test func quotedAndDottedKeys() {
        #expect(map.line(of: "endpoint[0].variant[1].quoted") == 18)
        #expect(map.line(of: "endpoint[0].variant[1].dotted.inner") == 19)
    }

    @Test func missingKeyFallsBackToTheEnclosingTable() {
        #expect(map.line(of: "endpoint[0].variant[1].weight") == 16)
        #expect(map.line(of: "server.nothing.deeper") == 4)
    }

    @Test func unknownPathHasNoLine() {
        #expect(map.line(of: "feature_store.redis") == nil)
        #expect(map.line(of: "") == nil)
    }

    @Test func firstOccurrenceOfARepeatedKeyWins() {
        let map = TOMLSourceMap(text: "a = 1\na = 2\n")
        #expect(map.line(of: "a") == 1)
    }
}
