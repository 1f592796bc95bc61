import MappingTemplates
import Testing

@Suite("Truthiness, null and undefined")
struct TruthinessTests {
    @Test func undefinedPrintsEmpty() throws {
        #expect(try render("Hello $name") == "Hello ")
        #expect(try render("Hello $!name ${name} $!{name}") == "Hello   ")
    }

    @Test func missingMapKeyAndParamsPrintEmpty() throws {
        #expect(try render("[$stageVariables.missing][$input.params('missing')][$context.x.y]") == "[][][]")
    }

    @Test func undefinedAndNullAreTrue() throws {
        #expect(try render("#if($undefined)t#{else}f#end") == "t")
        #expect(try render("#if(!$null)t#{else}f#end") == "f")
    }

    @Test func onlyFalseIsFalse() throws {
        #expect(try render(#"#if("")a#end#if(0)b#end#if(false)c#end#if("false")d#end"#) == "abd")
    }

    @Test func nullComparisons() throws {
        #expect(try render(#"#if($null == "")y#end#if($null == $alsoNull)z#end"#) == "yz")
        #expect(try render(#"#if($null != "")y#{else}n#end"#) == "n")
    }

    /// A bare `null` is a value, as in API Gateway's engine: as a method argument, assigned, or compared (issue 23).
    @Test func nullIsALiteral() throws {
        #expect(try render("#set($m = {})$m.put('k', null)$m.containsKey('k')") == "true")
        #expect(try render("#set($x = null)[$!x]") == "[]")
        #expect(try render(#"#if(null == "")y#end#if(null == $undefined)z#end"#) == "yz")
        #expect(try render("$nullable.x(null)") == "")
    }

    @Test func numericEquality() throws {
        #expect(try render("#if(1 == 1.0)y#end#if(2 > 1.5)z#end") == "yz")
        #expect(try render(#"#if("1" == 1)y#end"#) == "y")
    }

    @Test func keywordOperators() throws {
        #expect(
            try render("#if(2 gt 1 and 1 lt 2 and not false and 1 eq 1 and 2 ge 2 and 1 le 1 or false)y#end") == "y")
        #expect(try render("#if(1 ne 2)y#end") == "y")
    }

    @Test func arithmeticBindsTighterThanComparison() throws {
        #expect(try render("#if(1 + 1 == 2)y#end") == "y")
    }

    @Test func setWithNullKeepsPreviousValue() throws {
        #expect(try render("#set($a = 1)#set($a = $missing)$a") == "1")
    }

    @Test func elseifChain() throws {
        let source = "#set($v = 2)#if($v == 1)one#elseif($v == 2)two#{else}other#end"
        #expect(try render(source) == "two")
    }
}

@Suite("Strings and escapes")
struct StringTests {
    @Test func noBackslashEscapesInLiterals() throws {
        #expect(try render(#"#set($s = "a\nb")$s"#) == #"a\nb"#)
        #expect(try render(#"#set($s = 'a\tb')$s"#) == #"a\tb"#)
    }

    @Test func doubledQuotes() throws {
        #expect(try render(#"#set($s = "say ""hi""")$s"#) == #"say "hi""#)
        #expect(try render("#set($s = 'it''s')$s") == "it's")
    }

    @Test func doubleQuotesInterpolate() throws {
        #expect(try render(#"#set($n = "x")#set($s = "[$n]")$s"#) == "[x]")
        #expect(try render(#"#set($s = '[$n]')$s"#) == "[$n]")
    }

    @Test func escapedDollarInsideDoubleQuotes() throws {
        #expect(try render(#"#set($n = "x")#set($s = "\$n")$s"#) == "$n")
    }

    @Test func escapesOutsideStrings() throws {
        #expect(try render(#"#set($email = "a@b")\$email \\$email"#) == #"$email \a@b"#)
        #expect(try render(##"\#end"##) == "#end")
        #expect(try render(##"#set($email = "a@b")\#set( $email = 1 )"##) == "#set( a@b = 1 )")
        #expect(try render(#"a\b \n"#) == #"a\b \n"#)
    }

    @Test func escapedQuoteIsAnError() {
        #expect(renderError(#"#set($s = "\"x\"")$s"#) != nil)
    }

    @Test func identifiersMayContainHyphens() throws {
        #expect(try render(#"#set($a-b = 1)$a-b"#) == "1")
    }

    @Test func dollarAndHashAsText() throws {
        #expect(try render("cost: $5, color: #fff, 50%") == "cost: $5, color: #fff, 50%")
    }

    @Test func textBlock() throws {
        #expect(try render("#[[ $x #if ]]#") == " $x #if ")
    }

    @Test func stringMethods() throws {
        let source =
            #"#set($s = " Hello, World ")$s.trim().toLowerCase()|$s.length()|$s.substring(1, 6)|$s.replace("l", "L")|$s.contains("World")|$s.indexOf("o")"#
        #expect(try render(source) == "hello, world|14|Hello| HeLLo, WorLd |true|5")
    }

    @Test func regexMethods() throws {
        #expect(
            try render(
                #"#set($s = "a1b22c")$s.replaceAll("[0-9]+", "-")|$s.matches("[a-c0-9]+")|$s.matches("b2")|$s.split("[0-9]+")"#
            )
                == "a-b-c|true|false|[a, b, c]")
    }

    @Test func stringsCompareAsJavasUTF16Units() throws {
        // A precomposed é and e + combining acute accent are different Java strings.
        let body = #"{"a": "\#u{E9}", "b": "e\#u{301}"}"#
        let source =
            #"#set($a = $input.path("$.a"))#set($b = $input.path("$.b"))$a.equals($b) #if($a == $b)EQ#{else}NE#end $b.contains("e") $b.startsWith("e") $b.endsWith("\#u{301}")"#
        #expect(try render(source, body: body) == "false NE true true true")
        #expect(try render(#"#set($s = "abc")$s.contains("") $s.startsWith("") $s.endsWith("")"#) == "true true true")
    }

    @Test func emptyRegularExpressionMatchesEverywhere() throws {
        #expect(
            try render(
                #"#set($s = "abc")$s.split("")|$s.replaceAll("", "-")|$s.matches("")|#set($e = "")$e.matches("")"#)
                == "[a, b, c]|-a-b-c-|false|true")
    }

    @Test func listMethodsRejectNegativeIndexes() throws {
        #expect(try render(#"#set($l = [1, 2])$l[-1] $l.get(1)"#) == "2 2")
        #expect(renderError(#"#set($l = [1, 2])$l.get(-1)"#)?.message.contains("out of bounds") == true)
        #expect(renderError(#"#set($l = [1, 2])#set($x = $l.set(-1, 3))"#)?.message.contains("out of bounds") == true)
    }

    @Test func trimRemovesJavasWhitespaceOnly() throws {
        #expect(try render("[$input.body.trim()]", body: "\t\r\n x y \u{0B}\u{1F} ") == "[x y]")
        #expect(try render("[$input.body.trim()]", body: "\u{A0}é\u{301} \n") == "[\u{A0}é\u{301}]")
        #expect(try render("[$input.body.trim()]", body: " \u{301}x") == "[\u{301}x]")
        #expect(try render("[$input.body.trim()]", body: "\n \n") == "[]")
        #expect(try render("[$input.body.trim()]", body: "as is") == "[as is]")
    }

    /// Regular expressions and JSONPaths are compiled once per template and shared by concurrent renders.
    @Test func concurrentRendersShareCompiledExpressions() async throws {
        let template = try MappingTemplate(
            source:
                ##"#foreach($i in [0..2])$input.path("$.v[$i]").replaceAll("[0-9]+", "#")|$input.path("$.v[$i]").matches("[a-z]+[0-9]+")|$input.path("$.v[$i]").split("[0-9]").size();#end"##
        )
        let expected = "a#|true|1;b#|true|1;c#|true|1;"
        let outputs = try await withThrowingTaskGroup(of: [String].self) { group in
            for task in 0..<8 {
                group.addTask {
                    try (0..<200).map { index in
                        let n = task * 1000 + index
                        return try template.render(TemplateInput(body: #"{"v": ["a\#(n)", "b\#(n)", "c\#(n)"]}"#))
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(outputs.count == 1600)
        #expect(outputs.allSatisfy { $0 == expected }, "\(Set(outputs).prefix(3))")
    }

    @Test func splitDropsTrailingEmptyStrings() throws {
        #expect(try render(#"#set($s = "a,b,,")$s.split(",").size()"#) == "2")
    }

    /// Patterns that match only themselves are split without the regex engine; the results must be Java's, which
    /// the regex path (the same separator written as a class or group) gives.
    @Test(arguments: [
        ",", "\\n", "ab", "\\.", "é",
    ])
    func literalSplitMatchesTheRegexPath(separator: String) throws {
        let regex = separator == "ab" ? "(?:ab)" : "[\(separator)]"
        let bodies = [
            "", ",", "a", "a,b", ",a", "a,", "a,,b,,", ",,,", "x\r\ny\n", "\n\nz", "1.2..3", "abab", "aab", "éaé",
        ]
        for body in bodies {
            for limit in ["", ", 0", ", 2", ", -1"] {
                let literal = try render(
                    "#foreach($p in $input.body.split(\"\(separator)\"\(limit)))[$p]#end", body: body)
                let viaRegex = try render("#foreach($p in $input.body.split(\"\(regex)\"\(limit)))[$p]#end", body: body)
                #expect(literal == viaRegex, "\(body.debugDescription) split \(separator)\(limit)")
            }
        }
    }
}
