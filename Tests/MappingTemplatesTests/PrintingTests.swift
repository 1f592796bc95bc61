import MappingTemplates
import Testing

@Suite("Printing values")
struct PrintingTests {
    @Test func mapsPrintJavaStyleInOrder() throws {
        #expect(try render(#"#set($m = {"b": 1, "a": "x"})$m"#) == "{b=1, a=x}")
        #expect(try render("#set($m = {})$m") == "{}")
    }

    @Test func jsonMapsPrintJavaStyle() throws {
        #expect(try render("$input.path('$')", body: #"{"a": {"b": 1}, "c": true}"#) == "{a={b=1}, c=true}")
    }

    @Test func jsonListsPrintAsCompactJSON() throws {
        #expect(
            try render("$input.path('$.l')", body: #"{"l": [{"a": "b"}, 1, null, 2.50]}"#) == #"[{"a":"b"},1,null,2.5]"#
        )
    }

    @Test func listInsideMapPrintsAsJSON() throws {
        #expect(try render("$input.path('$')", body: #"{"f": [{"n": "b"}]}"#) == #"{f=[{"n":"b"}]}"#)
    }

    @Test func literalListsPrintJavaStyle() throws {
        #expect(try render(#"#set($l = [1, "a", true])$l"#) == "[1, a, true]")
    }

    @Test func nullInsideCollectionsPrintsNull() throws {
        #expect(try render("#set($m = {})#set($x = $m.put('k', $nothing))$m") == "{k=null}")
    }

    @Test func numbers() throws {
        #expect(try render("#set($x = 100.0/50)$x") == "2.0")
        #expect(try render("#set($x = .5*.1)$x") == "0.05")
        #expect(try render("#set($x = 3 % 2)$x") == "1")
        #expect(try render("#set($x = 7 / 2)$x") == "3")
        #expect(try render("#set($x = 1.5e10)$x") == "1.5E10")
        #expect(try render("#set($x = 0.0001)$x") == "1.0E-4")
        #expect(try render("#set($x = 2 + 3 * 4)$x") == "14")
    }

    @Test func divisionByZeroIsNull() throws {
        #expect(try render("#set($x = 1)#set($x = 1 / 0)$x") == "1")
    }

    @Test func booleans() throws {
        #expect(try render("#set($t = true)$t, #set($f = 1 > 2)$f") == "true, false")
    }

    @Test func stringConcatenation() throws {
        #expect(try render(#"#set($s = "a" + 1)$s"#) == "a1")
    }

    @Test func keySetAndEntrySet() throws {
        #expect(
            try render(#"#set($m = {"a": 1, "b": 2})$m.keySet() $m.entrySet() $m.values()"#)
                == "[a, b] [a=1, b=2] [1, 2]")
    }

    @Test func methodResultsPrint() throws {
        #expect(try render("#set($l = [])$l.add(1)") == "true")
        #expect(try render(#"#set($m = {"a": 1})$m.put("a", 2)"#) == "1")
        #expect(try render("#set($l = [1, 2])$l.set(0, 5)$l") == "1[5, 2]")
    }

    @Test func undefinedKeyAsMapKeyIsEmpty() throws {
        #expect(try render(#"#set($m = {"$undefinedKey": "foo"})$m"#) == "{=foo}")
    }

    @Test func javaDoubleFormat() throws {
        #expect(try render("#set($x = 10000000.0)$x") == "1.0E7")
        #expect(try render("#set($x = 1234567.5)$x") == "1234567.5")
        #expect(try render("#set($x = 0.001)$x") == "0.001")
    }
}
