import MappingTemplates
import Testing

@Suite("Errors and limits")
struct ErrorAndLimitTests {
    func syntaxError(_ source: String) -> TemplateError? {
        do {
            _ = try MappingTemplate(source: source)
            return nil
        } catch {
            return error
        }
    }

    @Test func syntaxErrorsHaveLineAndColumn() throws {
        let error = try #require(syntaxError("line one\n  #if($a == )x#end"))
        #expect(error.kind == .syntax)
        #expect(error.line == 2)
        #expect(error.column == 13)
        #expect(error.excerpt.contains("#if($a == )"))
        #expect(error.description.hasPrefix("2:13: "))
    }

    @Test func missingEndIsReportedAtTheDirective() throws {
        let error = try #require(syntaxError("a\nb #foreach($x in $l)\n$x"))
        #expect(error.line == 2)
        #expect(error.column == 3)
    }

    @Test func strayEnd() {
        #expect(syntaxError("x #end")?.kind == .syntax)
        #expect(syntaxError("#else")?.kind == .syntax)
    }

    @Test func loneDollarAtEndIsAnError() {
        #expect(syntaxError("price $") != nil)
        #expect(syntaxError("price $ ") == nil)
    }

    @Test func unterminatedConstructs() {
        #expect(syntaxError("#* open") != nil)
        #expect(syntaxError(#"#set($a = "open)"#) != nil)
        #expect(syntaxError("${a") != nil)
        #expect(syntaxError("#set($a = [1, 2)") != nil)
    }

    @Test func negativeLiteralIsNotSubtraction() {
        #expect(syntaxError("#set($a = 3 -1)") != nil)
        #expect(syntaxError("#set($a = 3 - 1)") == nil)
    }

    @Test func validate() {
        #expect(MappingTemplate.validate(source: "#if(") != nil)
        #expect(MappingTemplate.validate(source: "ok $x") == nil)
    }

    @Test func outputLimit() {
        let error = renderError("#foreach($i in [1..100])0123456789#end", limits: TemplateLimits(maxOutputBytes: 500))
        #expect(error?.kind == .limit)
    }

    @Test func stepLimitStopsRunawayTemplates() {
        let source = "#foreach($a in [1..1000])#foreach($b in [1..1000])x#end#end"
        #expect(renderError(source, limits: TemplateLimits(maxOutputBytes: 1 << 30, maxSteps: 10_000))?.kind == .limit)
    }

    @Test(arguments: [
        "[-9223372036854775807..9223372036854775807]", "[0..9223372036854775807]", "[9223372036854775807..0]",
        "[-9223372036854775807..0]",
    ])
    func rangesWhoseLengthOverflowsAreTooLarge(range: String) {
        #expect(renderError("#foreach($i in \(range))#end")?.kind == .limit)
    }

    @Test func stringGrowthIsBounded() {
        let source = #"#set($s = "xxxxxxxxxx")#foreach($i in [1..60])#set($s = "$s$s")#end"#
        #expect(renderError(source)?.kind == .limit)
    }

    @Test func recursiveDefineIsBounded() {
        #expect(renderError("#define($d)$d#end$d")?.kind == .limit)
    }

    @Test func selfContainingMapIsBounded() {
        #expect(renderError("#set($m = {})#set($x = $m.put('self', $m))$m")?.kind == .limit)
    }

    /// A template larger than the output limit could never render: it is refused when compiled, so that
    /// `serve --check` and the admin API refuse it (issue 23).
    @Test func aTemplateLargerThanTheOutputLimitIsRefusedWhenCompiled() {
        let source = String(repeating: "x", count: 2_000)
        #expect(throws: TemplateError.self) {
            try MappingTemplate(source: source, limits: TemplateLimits(maxOutputBytes: 1_000))
        }
        let error = MappingTemplate.validate(source: String(repeating: "x", count: (1 << 20) + 1))
        #expect(error?.kind == .limit)
        #expect(error?.message.contains("over the render output limit") == true)
    }

    /// A regular expression that backtracks catastrophically is stopped after a bounded amount of work, as a clear
    /// template error, instead of holding the event loop (issue 23).
    @Test(arguments: [
        #"$input.body.matches('(a+)+$')"#, #"$input.body.replaceAll('(a+)+b', 'x')"#, #"$input.body.split('(a+)+b')"#,
        #"$input.path('$.list[?(@ =~ /(a+)+b/)]')"#,
    ])
    func aCatastrophicRegularExpressionIsAWorkLimitError(source: String) {
        let text = String(repeating: "a", count: 40) + "!"
        let body = source.contains("$.list") ? #"{"list": ["\#(text)"]}"# : text
        let error = renderError(source, body: body)
        #expect(error?.kind == .limit)
        #expect(error?.message.contains("exceeded its work limit") == true)
    }

    @Test func ordinaryRegularExpressionsStillWork() throws {
        #expect(try render(#"$input.body.matches('a+!')|$input.body.replaceAll('a+', 'x')"#, body: "aaa!") == "true|x!")
    }

    @Test func indexOutOfBoundsIsARuntimeError() {
        #expect(renderError("#set($l = [1])$l[3]")?.kind == .runtime)
        #expect(renderError("#set($l = [1])$l.get(3)")?.kind == .runtime)
        #expect(renderError(#"#set($s = "ab")$s.substring(5)"#)?.kind == .runtime)
    }
}
