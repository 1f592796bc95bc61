import MappingTemplates
import Testing

@Suite("$input, $context, $stageVariables, $features")
struct InputTests {
    @Test func emptyBodyIsEmptyObject() throws {
        #expect(try render("$input.body|$input.json('$')|$input.path('$')") == "{}|{}|{}")
    }

    @Test func nonJSONBodyPassesThrough() throws {
        #expect(try render("$input.body|$input.path('$')|$input.json('$')", body: "a=b") == #"a=b|a=b|"a=b""#)
    }

    @Test func invalidJSONStartingLikeJSONIsAPayloadError() {
        #expect(renderError("$input.path('$')", body: "{a")?.kind == .payload)
        #expect(renderError("$input.json('$')", body: "[a")?.kind == .payload)
        #expect(renderError("$input.body", body: "{a") == nil)
    }

    @Test func jsonSerializesCompactly() throws {
        let body = #"{"a": {"b": [1, 2.0, "x/y", null, true]}}"#
        #expect(try render("$input.json('$.a')", body: body) == #"{"b":[1,2.0,"x\/y",null,true]}"#)
        #expect(try render("$input.json('$.missing')", body: body) == "null")
    }

    @Test func jsonPathForms() throws {
        let body = #"{"a": {"b": "c"}, "l": [{"x": 1, "n": "p"}, {"x": 2, "n": "q"}, {"x": 3}], "k:y": 5}"#
        #expect(try render("$input.path('$.a.b')", body: body) == "c")
        #expect(try render("$input.path(\"$['a']['b']\")", body: body) == "c")
        #expect(try render("$input.path('$.l[1].n')", body: body) == "q")
        #expect(try render("$input.path('$.l[-1].x')", body: body) == "3")
        #expect(try render("$input.json('$.l[*].n')", body: body) == #"["p","q"]"#)
        #expect(try render("$input.json('$..n')", body: body) == #"["p","q"]"#)
        #expect(try render("$input.json('$.l[?(@.x > 1)].x')", body: body) == "[2,3]")
        #expect(try render("$input.json(\"$.l[?(@.n == 'p')].x\")", body: body) == "[1]")
        #expect(try render("$input.json('$.l[0:2].x')", body: body) == "[1,2]")
        #expect(try render("$input.path('$.l.length()')", body: body) == "3")
        #expect(try render("$input.path(\"$['k:y']\")", body: body) == "5")
    }

    @Test func regularExpressionFiltersMatchTheWholeValueAsJaywayDoes() throws {
        let body =
            #"{"l": [{"n": "Alpha", "v": 1}, {"n": "beta", "v": 2}, {"n": "alphabet", "v": 3}, {"n": "a/b", "v": 4}]}"#
        #expect(try render("$input.json('$.l[?(@.n =~ /al.*/)].v')", body: body) == "[3]")
        #expect(try render("$input.json('$.l[?(@.n =~ /al.*/i)].v')", body: body) == "[1,3]")
        #expect(try render("$input.json('$.l[?(@.n =~ /alpha/i)].v')", body: body) == "[1]")
        #expect(try render(#"$input.json('$.l[?(@.n =~ /a\/b/)].v')"#, body: body) == "[4]")
        #expect(try render("$input.json('$.l[?(@.n =~ /(a|b)eta/ && @.v > 1)].v')", body: body) == "[2]")
        #expect(try render("$input.json('$.l[?(@.v =~ /[12]/)].n')", body: body) == #"["Alpha","beta"]"#)
        // The first match at the start may be a shorter alternative; the whole value still matches.
        #expect(try render("$input.json('$.l[?(@.n =~ /a|a\\/b/)].v')", body: body) == "[4]")
        let tagged = #"{"l": [{"tags": ["x", "gpu-large"], "v": 1}, {"tags": ["cpu"], "v": 2}]}"#
        #expect(try render("$input.json('$.l[?(@.tags =~ /gpu-.*/)].v')", body: tagged) == "[1]")
        let error = try #require(renderError("$input.json('$.l[?(@.n =~ /(/)]')", body: body))
        #expect(error.description.contains("invalid regular expression /(/"))
    }

    @Test func jsonStringEscapingMatchesJSONSmart() throws {
        let body = #"{"a": "plain", "b": "x\u007fy\u0085z\u00e9\u2028\u20ac\u2100", "c": "tab\tq\"s/\\"}"#
        #expect(
            try render("$input.json('$.a')|$input.json('$.b')|$input.json('$.c')", body: body)
                == #""plain"|"x\u007Fy\u0085z"# + "\u{e9}" + #"\u2028\u20AC"# + "\u{2100}" + #""|"tab\tq\"s\/\\""#)
    }

    @Test func definitePathsOnWrongShapesAreNull() throws {
        let body = #"{"a": [1, 2], "s": "abc", "m": {"k": 1}}"#
        let source =
            "$input.json('$.a.x')|$input.json('$.s[0]')|$input.json('$.a[5]')|$input.path('$.s.length()')|$input.path('$.m.length()')"
        #expect(try render(source, body: body) == "null|null|null|3|1")
    }

    @Test func computedPathsAreCompiledPerTemplate() throws {
        let template = try MappingTemplate(source: #"#foreach($i in [0..1])$input.json("$.items[$i].t")#end"#)
        let first = try template.render(TemplateInput(body: #"{"items": [{"t": [1]}, {"t": [2, 3]}]}"#))
        let second = try template.render(TemplateInput(body: #"{"items": [{"t": "a"}, {"t": {"b": null}}]}"#))
        #expect(first == "[1][2,3]")
        #expect(second == #""a"{"b":null}"#)
    }

    /// ToQoz/api-gateway-mapping-template test/_.md (recorded on API Gateway, examples cd963d7c, ec2bf3b4, 3e03488f,
    /// a35f2355, 29301967, 819c3c26, caa3f41d): these render nothing (the integration saw an empty payload).
    @Test func builtinObjectsAndBarePropertiesPrintNothing() throws {
        for source in [
            "$input", "$input.keySet", "$input.params.keySet", "$util", "$input.params", "$input.json",
            "$util.urlEncode",
        ] {
            #expect(try render(source) == "", "\(source)")
        }
    }

    @Test func missingPathIsEmpty() throws {
        #expect(try render("[$input.path('$.nope.deeper')]", body: "{}") == "[]")
    }

    @Test func badJSONPathIsARuntimeError() {
        let error = renderError("x\n  $input.path('$.a[')", body: "{}")
        #expect(error?.kind == .runtime)
        #expect(error?.line == 2)
        #expect(error?.column == 3)
    }

    @Test func params() throws {
        let output = try render(
            "$input.params('id')|$input.params('q')|$input.params('h')|$input.params().path.id|$input.params().header.get('h')|$input.params()",
            path: ["id": "1"], query: ["q": "2"], headers: ["h": "3"])
        #expect(output == "1|2|3|1|3|{path={id=1}, querystring={q=2}, header={h=3}}")
    }

    @Test func paramsPreferPathThenQueryThenHeader() throws {
        #expect(try render("$input.params('x')", path: ["x": "p"], query: ["x": "q"], headers: ["x": "h"]) == "p")
        #expect(try render("$input.params('x')", query: ["x": "q"], headers: ["x": "h"]) == "q")
    }

    @Test func context() throws {
        let context: TemplateValue = [
            "requestId": "r1", "identity": ["sourceIp": "1.2.3.4"], "authorizer": ["claims": ["sub": "u"]],
            "flag": false,
        ]
        #expect(
            try render(
                "$context.requestId $context.identity.sourceIp $context.authorizer.claims.sub $context.flag",
                context: context)
                == "r1 1.2.3.4 u false")
    }

    /// `$context` and `$stageVariables` are converted once per input and shared by its renders: what one render
    /// changes in them must not reach the next.
    @Test func changesToSharedMapsStayInTheirRender() throws {
        let template = try MappingTemplate(
            source: """
                $context.identity.sourceIp $context.tags $stageVariables.v|\
                #set($id = $context.identity)#set($old = $id.put('sourceIp', 'x'))\
                #set($old = $context.put('requestId', 'y'))#set($old = $context.tags.add(3))\
                #set($old = $context.remove('flag'))#set($old = $stageVariables.put('v', 'z'))\
                $context.identity.sourceIp $context.requestId $context.tags $stageVariables.v
                """)
        let context: TemplateValue = [
            "requestId": "r1", "identity": ["sourceIp": "1.2.3.4"], "tags": [1, 2], "flag": true,
        ]
        let input = TemplateInput(stageVariables: ["v": "1"], context: context)
        let expected = "1.2.3.4 [1,2] 1|x y [1,2,3] z"
        #expect(try template.render(input) == expected)
        #expect(try template.render(input) == expected)
        #expect(input.context == context)
    }

    @Test func stageVariablesAndFeatures() throws {
        let output = try render(
            "$stageVariables.v $features.user.age $features.get('user').get('age')|$features.missing.x",
            stageVariables: ["v": "1"], features: ["user": ["age": "42"]])
        #expect(output == "1 42 42|")
    }

    @Test func propertyOnStringIsEmpty() throws {
        #expect(try render("[$input.body.testAccess]", body: "{\"a\":1}") == "[]")
    }

    @Test func unknownMethodIsNull() throws {
        #expect(try render("[$input.nope()]") == "[]")
        #expect(try render(#"#set($s = "x")[$s.frobnicate(1)][$s.size()][$s.substring()]"#) == "[][][]")
        #expect(try render(#"#set($l = [1])[$l.length()][$util.foo(1)]"#) == "[][]")
    }

    @Test func methodOnNullIsEmpty() throws {
        #expect(try render("[$missing.foo()]") == "[]")
    }

    @Test func templateValueFromJSON() throws {
        let value = try TemplateValue(jsonString: #"{"b": [1, 2.5, "x"], "a": null}"#)
        #expect(value == ["b": [1, 2.5, "x"], "a": nil])
    }
}

@Suite("$util")
struct UtilTests {
    @Test func escapeJavaScript() throws {
        #expect(
            try render("$util.escapeJavaScript($input.body)", body: #"it's "q" / \ é"#) == #"it\'s \"q\" \/ \\ \u00E9"#)
        #expect(try render("$util.escapeJavaScript($input.body)", body: "a\nb\tc") == #"a\nb\tc"#)
    }

    @Test func urlEncodeIsFormEncoding() throws {
        #expect(try render(#"$util.urlEncode('{"a": 1} é*~')"#) == "%7B%22a%22%3A+1%7D+%C3%A9*%7E")
        #expect(try render("[$util.urlEncode($missing)]") == "[]")
    }

    @Test func urlDecode() throws {
        #expect(try render("$util.urlDecode('a+b%20c%C3%A9')") == "a b cé")
        #expect(renderError("$util.urlDecode('%zz')")?.kind == .runtime)
    }

    @Test func base64() throws {
        #expect(try render("$util.base64Encode('hello?')|$util.base64Decode('aGVsbG8/')") == "aGVsbG8/|hello?")
        #expect(renderError("$util.base64Decode('!!')")?.kind == .runtime)
    }

    @Test func parseJsonGivesComparableValues() throws {
        let source = #"#set($o = $util.parseJson('{"n": 2, "m": {"k": "v"}}'))#if($o.n == 2)two#end $o.m $o.m.k"#
        #expect(try render(source) == "two {k=v} v")
        #expect(renderError("$util.parseJson('{')")?.kind == .runtime)
    }

    @Test func readsNamesTheInputPartsATemplateUses() throws {
        let cases: [(String, TemplateInputParts)] = [
            ("$input.body $input.path('$.a') $input.json('$') $input.getBody() $stageVariables.x $features.v.f", []),
            ("$input.params('q')", .parameters),
            ("$input.params().header", .parameters),
            ("#set($i = $input)$i.body", .parameters),
            ("$util.escapeJavaScript($input)", .parameters),
            ("$context.requestId", .context),
            ("${context.identity.sourceIp}", .context),
            (##"#if(true)"$context.stage and $input.params('x')"#end"##, [.context, .parameters]),
            (##"#set($s = "id=$context.requestId")$s"##, .context),
            ("#macro(m)$context.stage#end", .context),
        ]
        for (source, expected) in cases {
            #expect(try MappingTemplate(source: source).reads == expected, "\(source)")
        }
    }
}
