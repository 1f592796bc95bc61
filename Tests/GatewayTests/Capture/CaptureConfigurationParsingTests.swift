import Foundation
import Testing

@testable import Gateway
@testable import InvocationCore

@Suite("Capture configuration parsing")
struct CaptureConfigurationParsingTests {
    /// One endpoint whose `[endpoint.capture]` table holds `capture`; `server` goes into `[server]`.
    static func file(capture: String?, server: String = "") -> String {
        """
        [server]
        \(server)

        [[endpoint]]
        name = "demo"

        [[endpoint.variant]]
        name = "VariantA"
        backends = ["http://127.0.0.1:9001"]
        \(capture.map { "\n[endpoint.capture]\n\($0)" } ?? "")
        """
    }

    /// The first endpoint of a file whose `[endpoint.capture]` table holds `text`.
    private func endpoint(_ text: String, server: String = "") throws -> EndpointConfiguration {
        try #require(try TestConfigurations.parse(Self.file(capture: text, server: server)).endpoints.first)
    }

    private func error(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> ConfigurationError {
        try #require(
            TestConfigurations.error(Self.file(capture: text)), "expected a configuration error",
            sourceLocation: sourceLocation)
    }

    @Test func withoutTheTableNothingIsCaptured() throws {
        let configuration = try TestConfigurations.parse(Self.file(capture: nil))
        #expect(configuration.endpoints.first?.capture == nil)
    }

    @Test func anEmptyTableCapturesEverythingIntoTheStateDirectory() throws {
        let value = try #require(try endpoint("").capture)
        #expect(value.enabled)
        #expect(value.samplingPercentage == 100)
        #expect(value.destination.path == "/tmp/mlgw/var/capture")
        #expect(value.captureInput && value.captureOutput)
        #expect(value.csvContentTypes == ["text/csv"])
        #expect(value.jsonContentTypes == ["application/json"])
        #expect(value.maxFileBytes == 64 * 1024 * 1024)
    }

    @Test func theDefaultDestinationFollowsStateDir() throws {
        #expect(
            try endpoint("", server: "state_dir = \"state\"").capture?.destination.path == "/tmp/mlgw/state/capture")
        #expect(try endpoint("", server: "state_dir = \"/srv/gw\"").capture?.destination.path == "/srv/gw/capture")
    }

    @Test func everyKeyIsRead() throws {
        let value = try #require(
            try endpoint(
                """
                enabled = false
                sampling_percentage = 12.5
                destination = "var/capture"
                capture = ["output"]
                csv_content_types = ["text/csv", "text/x-csv"]
                json_content_types = ["application/json", "application/jsonlines"]
                max_file_bytes = 1048576
                """
            ).capture)
        #expect(!value.enabled)
        #expect(value.samplingPercentage == 12.5)
        #expect(value.destination.path == "/tmp/mlgw/var/capture")
        #expect(!value.captureInput && value.captureOutput)
        #expect(value.csvContentTypes == ["text/csv", "text/x-csv"])
        #expect(value.jsonContentTypes == ["application/json", "application/jsonlines"])
        #expect(value.maxFileBytes == 1_048_576)
    }

    @Test func anIntegerPercentageAndAnAbsoluteDestinationAreAccepted() throws {
        let text = "sampling_percentage = 5\ndestination = \"/data/capture\"\ncapture = [\"input\"]"
        let value = try #require(try endpoint(text).capture)
        #expect(value.samplingPercentage == 5)
        #expect(value.destination.path == "/data/capture")
        #expect(value.captureInput && !value.captureOutput)
    }

    @Test(arguments: [
        ("sampling_percentage = 101", "endpoint[0].capture.sampling_percentage", "must be between 0.0 and 100.0"),
        ("sampling_percentage = -1", "endpoint[0].capture.sampling_percentage", "must be between 0.0 and 100.0"),
        ("sampling_percentage = \"all\"", "endpoint[0].capture.sampling_percentage", "must be a number"),
        ("capture = []", "endpoint[0].capture.capture", "must list \"input\", \"output\" or both"),
        (
            "capture = [\"inputs\"]", "endpoint[0].capture.capture",
            "must list \"input\", \"output\" or both, not \"inputs\""
        ),
        ("destination = \"\"", "endpoint[0].capture.destination", "must not be empty"),
        ("max_file_bytes = 0", "endpoint[0].capture.max_file_bytes", "must be between 1 and 1099511627776"),
        (
            "csv_content_types = [\"\"]", "endpoint[0].capture.csv_content_types",
            "must not contain an empty content type"
        ),
        ("enabled = \"yes\"", "endpoint[0].capture.enabled", "must be true or false"),
        ("sample_rate = 10", "endpoint[0].capture.sample_rate", "unknown key"),
    ])
    func invalidSettingsAreLocated(text: String, key: String, message: String) throws {
        let error = try error(text)
        #expect(error.key == key)
        #expect(error.message == message)
        #expect(error.line != nil)
    }
}
