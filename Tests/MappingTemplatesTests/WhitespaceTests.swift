import MappingTemplates
import Testing

@Suite("Whitespace rules")
struct WhitespaceTests {
    @Test func spacesBetweenSetDirectivesVanish() throws {
        #expect(try render("#set($a = 1) #set($b = 2)") == "")
    }

    @Test func spacesAfterReferenceBeforeSetVanish() throws {
        #expect(try render("#set($a = 1)$a #set($b = 2)$b") == "12")
    }

    @Test func setSwallowsTrailingSpacesAndNewline() throws {
        #expect(try render("#set($a = 1)   \nx") == "x")
        #expect(try render("#set($a = 1)\r\nx") == "x")
    }

    @Test func setKeepsSpaceBeforeFollowingReference() throws {
        #expect(try render("#set($a = 1) $a") == " 1")
    }

    @Test func leadingIndentationBeforeSetIsRemoved() throws {
        #expect(try render("  #set($a = 1)\n$a") == "1")
    }

    @Test func indentationBeforeSetAfterTextIsKept() throws {
        #expect(try render("x\n  #set($a = 1)\n$a") == "x\n  1")
    }

    @Test func newlineAfterIfLineIsRemoved() throws {
        #expect(try render("#if(true)\nyes\n#end\nafter") == "yes\nafter")
    }

    @Test func oneNewlineAfterEndIsRemoved() throws {
        #expect(try render("#if(true)a#end\n\nb") == "a\nb")
    }

    @Test func elseSwallowsItsLineEnd() throws {
        #expect(try render("#if(false)\na\n#else\nb\n#end\n") == "b\n")
    }

    @Test func indentationBeforeIfIsKept() throws {
        #expect(try render("  #if(true)x#end") == "  x")
    }

    @Test func lineCommentRemovesItsNewline() throws {
        #expect(try render("a ## comment\nb") == "a b")
    }

    @Test func blockCommentKeepsFollowingNewline() throws {
        #expect(try render("a#* c *#\nb") == "a\nb")
    }

    @Test func outputIsNeverTrimmed() throws {
        #expect(try render("\n\n  x  ") == "\n\n  x  ")
    }

    @Test func foreachBodyWhitespace() throws {
        let source = "#foreach($i in [1..3])\n  $i\n#end\n"
        #expect(try render(source) == "  1\n  2\n  3\n")
    }

    @Test func bracketedDirectives() throws {
        #expect(try render("#if(true)a#{else}b#{end}c") == "ac")
    }
}
