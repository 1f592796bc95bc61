import Testing

@testable import InvocationCore

/// The checks made before toml++ parses a configuration: it stops the process on some malformed table headers
/// (found by the config fuzz target), so those must be refused first, and nothing valid may be.
@Suite struct TOMLPreflightTests {
    @Test(arguments: [
        "[#]", "[!]", "[ =]", "[[#]]", "[.]", "[,]", "[\n", "a = 1\n[ {x}]\n", "[\u{01}",
        // Found by the config fuzz target: a byte order mark, then a header starting with '`'.
        "\u{FEFF}[`ZRZZZ]",
    ])
    func headersThatCannotStartAKeyAreRefused(text: String) throws {
        let problem = try #require(TOMLPreflight.firstProblem(in: text))
        #expect(problem.message.contains("table header must start with a key") || problem.message.contains("U+0001"))
        #expect(problem.line == (text.hasPrefix("a = 1") ? 2 : 1))
    }

    @Test(arguments: [
        "[server]\nlisten = \"127.0.0.1:8080\" # [!\n",
        "[[endpoint]]\nname = \"e\"\n[[endpoint.variant]]\n",
        "[ \"quoted key\" ]\n['literal']\n[a.b-c_d]\n",
        "x = [\n  [+1, 2],\n  [{ a = 1 }],\n]\n[next]\n",
        "x = \"\"\"\n[#\n\"\"\"\ny = '''\n[!\n'''\n[next]\n",
        "x = \"escaped \\\" [\"\n[next]\n",
        "a = 1\t# tab\r\n[b]\r\n",
        "\u{FEFF}[server]\nlisten = \"127.0.0.1:8080\"\n",
    ])
    func validTOMLPasses(text: String) {
        #expect(TOMLPreflight.firstProblem(in: text) == nil)
    }

    @Test func controlCharactersAreRefusedWithTheirLine() throws {
        let problem = try #require(TOMLPreflight.firstProblem(in: "a = 1\n# \u{7F}\n"))
        #expect(problem == .init(line: 2, message: problem.message))
        #expect(problem.message.hasPrefix("control character U+007F is not allowed"))
    }
}
