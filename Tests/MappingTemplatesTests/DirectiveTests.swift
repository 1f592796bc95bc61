import MappingTemplates
import Testing

@Suite("Directives")
struct DirectiveTests {
    @Test func foreachVariables() throws {
        let source =
            "#foreach($x in ['a', 'b'])$foreach.index$foreach.count$foreach.hasNext$velocityCount$velocityHasNext$foreach.first$foreach.last;#end"
        #expect(try render(source) == "01true1truetruefalse;12false2falsefalsetrue;")
    }

    @Test func nestedLoopsSeeInnermost() throws {
        #expect(
            try render("#foreach($a in [1..2])#foreach($b in [1..2])$foreach.count#end$foreach.count #end")
                == "121 122 ")
    }

    /// Velocity 1.7's `Scope.getParent()` / `getTopmost()` (API Gateway runs Velocity 1.7: `$foreach.hasNext` works).
    @Test func foreachParentAndTopmost() throws {
        let source =
            "#foreach($a in [1..2])#foreach($b in [1..2])#foreach($c in [1])$foreach.parent.index$foreach.topmost.count#end#end;#end"
        #expect(try render(source) == "0111;0212;")
        #expect(
            try render("#foreach($a in [1])[$foreach.parent]$foreach.topmost.index$foreach.getParent()#end") == "[]0")
        let kept = "#foreach($a in [1, 2])#foreach($b in [1])#set($f = $foreach)#end$f.parent.index#end"
        #expect(try render(kept) == "01")
    }

    @Test func loopVariableIsRestored() throws {
        #expect(try render("#set($x = 'old')#set($y = 0)#foreach($x in [1..2])#set($y = $x)#end$x $y") == "old 2")
    }

    /// A loop sets only the loop variables its template names, and restores them, even when its own variable is one.
    @Test func loopVariablesAreRestored() throws {
        #expect(
            try render("#foreach($a in [5])#foreach($b in [1, 2])#end$foreach.count$velocityCount#end[$velocityCount]")
                == "11[]")
        #expect(try render("#foreach($velocityCount in [7, 8])$velocityCount#end[$velocityCount]") == "12[]")
        #expect(try render("#foreach($foreach in [7, 8])$foreach.index#end[$foreach]") == "01[]")
    }

    @Test func rangesCountDown() throws {
        #expect(try render("#foreach($i in [2..-2])$i #end") == "2 1 0 -1 -2 ")
    }

    @Test func foreachOverUndefinedPrintsNothing() throws {
        #expect(try render("a#foreach($x in $nothing)x#{end}b") == "ab")
    }

    @Test func foreachOverMapIteratesValues() throws {
        #expect(try render(#"#foreach($v in {"a": 1, "b": 2})$v#end"#) == "12")
    }

    @Test func foreachOverJSONList() throws {
        let body = #"{"items": [{"n": "a"}, {"n": "b"}]}"#
        #expect(
            try render("#foreach($i in $input.path('$.items'))$i.n#if($foreach.hasNext),#end#end", body: body) == "a,b")
    }

    @Test func foreachStopsAfterLimit() throws {
        #expect(try render("#foreach($i in [1..5000])x#end").count == 1000)
        #expect(try render("#foreach($i in [1..10])x#end", limits: TemplateLimits(maxForeachIterations: 3)) == "xxx")
    }

    @Test func breakLeavesInnermostLoop() throws {
        #expect(try render("#foreach($i in [1..5])#if($i == 3)#break#end$i#end.") == "12.")
    }

    @Test func stopEndsRendering() throws {
        #expect(try render("a#stop b") == "a")
    }

    @Test func defineIsReevaluated() throws {
        #expect(try render("#define($d)[$x]#end#set($x = 1)$d#set($x = 2)$d $d()") == "[1][2] [2]()")
    }

    @Test func macrosAreDroppedAndCallsPrintAsWritten() throws {
        #expect(try render("#macro(hello $n)Hi $n#end#hello('x')") == "#hello('x')")
    }

    @Test func evaluateAndReturnPrintAsWritten() throws {
        #expect(try render("#evaluate('$x')#return(1)") == "#evaluate('$x')#return(1)")
    }

    @Test func includeAndParseAreErrors() {
        #expect(renderError("#include('a.vm')")?.kind == .runtime)
        #expect(renderError("x\n#parse('a.vm')")?.line == 2)
    }

    @Test func bracketAssignment() throws {
        #expect(try render(#"#set($m = {"k": {}})#set($k = "k")#set($m["$k"].x = 1)$m"#) == "{k={x=1}}")
        #expect(try render("#set($l = [1, 2])#set($l[1] = 9)$l") == "[1, 9]")
    }

    @Test func bracketAccess() throws {
        #expect(try render(#"#set($m = {"foo:bar": 1, "k": {"a:b": 2}})$m["foo:bar"] $m.k['a:b']"#) == "1 2")
        #expect(try render("#set($l = [1, 2, 3])$l[0]$l[-1]") == "13")
    }

    @Test func multiLineMapLiteral() throws {
        #expect(try render("#set($m = {\n  \"a\": 1,\n  \"b\": [1, 2]\n})$m") == "{a=1, b=[1, 2]}")
    }

    @Test func listAndMapMethods() throws {
        let source =
            #"#set($l = [])#set($ignore = $l.add("a"))#set($m = {})#set($ignore = $m.put("k", $l))$m.size() $m.containsKey("k") $l.size() $l.isEmpty() $l.contains("a") $m.k.get(0)"#
        #expect(try render(source) == "1 true 1 false true a")
    }
}
