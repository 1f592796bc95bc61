import Foundation
import Testing

@testable import Gateway
@testable import InvocationCore

@Suite("mlgateway templates (CLI)")
struct TemplatesCommandTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    @Test func renderPrintsExactlyTheOutputWithNoNewlineAdded() throws {
        let template = try directory.write("t.vtl", "a\n$input.path('$.x')  ")
        let body = try directory.write("body.json", #"{"x": 1}"#)
        let run = try CommandRun.mlgateway(["templates", "render", template, "--body", body])
        #expect(run.status == 0)
        #expect(run.stdout == Array("a\n1  ".utf8))
        #expect(run.stderr.isEmpty)
    }

    @Test func renderWithoutBodyUsesAnEmptyBody() throws {
        let template = try directory.write("t.vtl", "[$input.body]$input.json('$')")
        let run = try CommandRun.mlgateway(["templates", "render", template])
        #expect(run.status == 0)
        #expect(run.text == "[{}]{}")
    }

    @Test func renderPassesParametersStageVariablesAndContext() throws {
        let template = try directory.write(
            "t.vtl",
            "$input.params('id')|$input.params('q')|$input.params('X-Trace')|$input.params('Content-Type')|"
                + "$stageVariables.env|$context.requestId|$context.identity.sourceIp")
        let context = try directory.write(
            "context.json", #"{"requestId": "r-9", "identity": {"sourceIp": "10.0.0.1"}}"#)
        let run = try CommandRun.mlgateway([
            "templates", "render", template, "--path-param", "id=7", "--query", "q=a=b", "--header", "X-Trace=t1",
            "--content-type", "text/csv", "--stage-variable", "env=prod", "--context-json", context,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.text == "7|a=b|t1|text/csv|prod|r-9|10.0.0.1")
    }

    @Test func renderReportsASyntaxErrorAsFileLineColumnAndExits1() throws {
        let template = try directory.write("bad.vtl", "line one\n#foreach($x in)\n")
        let run = try CommandRun.mlgateway(["templates", "render", template])
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.hasPrefix("\(template):2:"))
        #expect(run.stderr.hasSuffix("\n"))
        let parts = run.stderr.dropFirst(template.count + 1).split(separator: ":", maxSplits: 2)
        #expect(parts.count == 3 && Int(parts[0]) == 2 && Int(parts[1]) != nil)
    }

    @Test func renderReportsARuntimeErrorAndExits1() throws {
        let template = try directory.write("include.vtl", "x\n  #include('other.vtl')")
        let run = try CommandRun.mlgateway(["templates", "render", template])
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.hasPrefix("\(template):2:"))
    }

    @Test func renderOfAMissingFileExits1() throws {
        let run = try CommandRun.mlgateway(["templates", "render", directory.path + "/missing.vtl"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("missing.vtl"))
    }

    @Test func validateAcceptsAGoodTemplate() throws {
        let template = try directory.write("ok.vtl", "#set($a = 1)$a")
        let run = try CommandRun.mlgateway(["templates", "validate", template])
        #expect(run.status == 0)
    }

    @Test func validateRejectsABadTemplateWithPosition() throws {
        let template = try directory.write("bad.vtl", "ok\n\n   #foreach($x in)")
        let run = try CommandRun.mlgateway(["templates", "validate", template])
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix("\(template):3:"))
    }

    func configFile() throws -> String {
        try directory.write("one.vtl", "one")
        try directory.write("two.vtl", "two")
        try directory.write("file.vtl", "from the file")
        _ = try TemplateFixtures.configuration(
            in: directory,
            endpointExtra: """
                [[endpoint.response_template]]
                content_type = "application/json"
                file = "file.vtl"
                """)
        return directory.url.appendingPathComponent("gateway.conf").path
    }

    @Test func putGetHistoryRollbackAndListWorkOnTheStore() throws {
        let config = try configFile()
        let key = ["demo", "request", "application/json", "--config", config]
        let first = try CommandRun.mlgateway(
            ["templates", "put"] + key + [directory.path + "/one.vtl", "--author", "alice"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.text.contains("stored version 1"))
        let second = try CommandRun.mlgateway(
            ["templates", "put"] + key + [directory.path + "/two.vtl", "--author", "bob"])
        #expect(second.text.contains("stored version 2"))
        #expect(try CommandRun.mlgateway(["templates", "get"] + key).text == "two")
        #expect(try CommandRun.mlgateway(["templates", "get"] + key + ["--version", "1"]).text == "one")
        let history = try CommandRun.mlgateway(["templates", "history"] + key).text.split(separator: "\n")
        #expect(history.count == 3)
        #expect(history[1].hasPrefix("1 ") && history[1].contains("alice"))
        #expect(history[2].hasPrefix("2 ") && history[2].contains("bob"))
        let rollback = try CommandRun.mlgateway(["templates", "rollback"] + key + ["--to", "1"])
        #expect(rollback.status == 0, "\(rollback.stderr)")
        #expect(try CommandRun.mlgateway(["templates", "get"] + key).text == "one")
        let list = try CommandRun.mlgateway(["templates", "list", "--config", config]).text
        #expect(list.contains("stored"))
        #expect(list.contains("file:file.vtl"))
    }

    @Test func getPrintsTheFileTemplateWhenNothingIsStored() throws {
        let config = try configFile()
        let run = try CommandRun.mlgateway([
            "templates", "get", "demo", "response", "application/json", "--config", config,
        ])
        #expect(run.text == "from the file")
    }

    @Test func putFromStandardInput() throws {
        let config = try configFile()
        let run = try CommandRun.mlgateway(
            ["templates", "put", "demo", "request", "text/csv", "-", "--config", config], input: "piped")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            try CommandRun.mlgateway(["templates", "get", "demo", "request", "text/csv", "--config", config]).text
                == "piped")
    }

    @Test func putRejectsAnInvalidTemplateWithFileLineColumn() throws {
        let config = try configFile()
        let bad = try directory.write("bad.vtl", "#if(")
        let run = try CommandRun.mlgateway([
            "templates", "put", "demo", "request", "application/json", bad, "--config", config,
        ])
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix("\(bad):1:"))
    }

    @Test func putWithAStaleExpectedVersionFails() throws {
        let config = try configFile()
        let key = ["demo", "request", "application/json", "--config", config]
        _ = try CommandRun.mlgateway(["templates", "put"] + key + [directory.path + "/one.vtl"])
        let stale = try CommandRun.mlgateway(
            ["templates", "put"] + key + [directory.path + "/two.vtl", "--expected-version", "0"])
        #expect(stale.status == 1)
        #expect(stale.stderr.contains("changed concurrently"))
    }

    @Test func unknownEndpointIsAnError() throws {
        let config = try configFile()
        let run = try CommandRun.mlgateway([
            "templates", "history", "nope", "request", "application/json", "--config", config,
        ])
        #expect(run.status == 1)
        #expect(run.stderr.contains("Endpoint nope is not configured"))
    }

    @Test func diffAndDelete() throws {
        let config = try configFile()
        let key = ["demo", "request", "application/json", "--config", config]
        _ = try CommandRun.mlgateway(["templates", "put"] + key + [directory.path + "/one.vtl"])
        _ = try CommandRun.mlgateway(["templates", "put"] + key + [directory.path + "/two.vtl"])
        let diff = try CommandRun.mlgateway(["templates", "diff"] + key + ["--from", "1"])
        #expect(diff.text.contains("-one\n+two\n"))
        let delete = try CommandRun.mlgateway(["templates", "delete"] + key)
        #expect(delete.status == 0)
        let get = try CommandRun.mlgateway(["templates", "get"] + key)
        #expect(get.status == 1)
    }
}
