import Foundation
import Testing

@testable import DataCapture

@Suite struct CaptureRecordFormatTests {
    let configuration: CaptureConfiguration
    let time = Date(timeIntervalSince1970: 1_795_428_672.345)  // 2026-11-23T10:11:12.345Z

    init() throws {
        configuration = try CaptureConfiguration(destination: URL(fileURLWithPath: "/tmp"))
    }

    @Test func csvInputAndOutputFieldByField() throws {
        let eventID = UUID()
        let record = CaptureRecord(
            endpoint: "churn", variant: "AllTraffic",
            input: CapturedPayload(contentType: "text/csv", data: Array("1.0,2.5,3".utf8)),
            output: CapturedPayload(contentType: "text/csv; charset=utf-8", data: Array("0.73".utf8)),
            inferenceID: "client-supplied-id", inferenceTime: time, eventID: eventID
        )
        let object = try parseRecord(record, configuration)
        #expect(Set(object.keys) == ["captureData", "eventMetadata", "eventVersion"])
        #expect(object["eventVersion"] as? String == "0")
        let captureData = try #require(object["captureData"] as? [String: Any])
        #expect(Set(captureData.keys) == ["endpointInput", "endpointOutput"])
        let input = try #require(captureData["endpointInput"] as? [String: String])
        #expect(input == ["observedContentType": "text/csv", "mode": "INPUT", "data": "1.0,2.5,3", "encoding": "CSV"])
        let output = try #require(captureData["endpointOutput"] as? [String: String])
        #expect(
            output == [
                "observedContentType": "text/csv; charset=utf-8", "mode": "OUTPUT", "data": "0.73", "encoding": "CSV",
            ])
        let metadata = try #require(object["eventMetadata"] as? [String: String])
        #expect(
            metadata == [
                "eventId": eventID.uuidString.lowercased(), "inferenceId": "client-supplied-id",
                "inferenceTime": "2026-11-23T10:11:12Z",
            ])
    }

    @Test func inferenceIDOnlyWhenGiven() throws {
        let object = try parseRecord(csvRecord(1), configuration)
        let metadata = try #require(object["eventMetadata"] as? [String: Any])
        #expect(Set(metadata.keys) == ["eventId", "inferenceTime"])
    }

    @Test func eventIDsDifferPerRecord() throws {
        let first = try #require(try parseRecord(csvRecord(1), configuration)["eventMetadata"] as? [String: Any])
        let second = try #require(try parseRecord(csvRecord(1), configuration)["eventMetadata"] as? [String: Any])
        let firstID = try #require(first["eventId"] as? String)
        #expect(UUID(uuidString: firstID) != nil)
        #expect(firstID != second["eventId"] as? String)
    }

    @Test func jsonPayloadIsWrittenAsText() throws {
        let body = #"{"instances": [{"age": 41, "name": "Zoë \"Z\""}]}"#
        let record = CaptureRecord(
            endpoint: "e", variant: "v",
            input: CapturedPayload(contentType: "Application/JSON; charset=utf-8", data: Array(body.utf8)),
            output: nil, inferenceTime: time)
        let input = try #require(
            (try parseRecord(record, configuration)["captureData"] as? [String: Any])?["endpointInput"]
                as? [String: String])
        #expect(input["encoding"] == "JSON")
        #expect(input["data"] == body)
    }

    @Test func unlistedContentTypeIsBase64() throws {
        let bytes: [UInt8] = [0, 1, 2, 250, 255, 10]
        let record = CaptureRecord(
            endpoint: "e", variant: "v", input: nil,
            output: CapturedPayload(contentType: "application/x-npy", data: bytes), inferenceTime: time)
        let captureData = try #require(try parseRecord(record, configuration)["captureData"] as? [String: Any])
        #expect(captureData["endpointInput"] == nil)
        let output = try #require(captureData["endpointOutput"] as? [String: String])
        #expect(output["encoding"] == "BASE64")
        #expect(output["data"] == Data(bytes).base64EncodedString())
    }

    @Test func invalidUTF8InACSVPayloadFallsBackToBase64() throws {
        let bytes: [UInt8] = Array("1,2,".utf8) + [0xC3, 0x28]
        let record = CaptureRecord(
            endpoint: "e", variant: "v", input: CapturedPayload(contentType: "text/csv", data: bytes), output: nil,
            inferenceTime: time)
        let input = try #require(
            (try parseRecord(record, configuration)["captureData"] as? [String: Any])?["endpointInput"]
                as? [String: String])
        #expect(input["encoding"] == "BASE64")
        #expect(input["data"] == Data(bytes).base64EncodedString())
    }

    @Test(arguments: [
        "plain", "quote \" backslash \\ slash /", "lines\nand\r\ntabs\t", "control \u{01}\u{1F}\u{7F} bell \u{07}",
        "unicode Zoë 北京 🙂", "", "\u{08}\u{0C}",
    ])
    func textIsEscapedSoItRoundTrips(_ text: String) throws {
        let record = CaptureRecord(
            endpoint: "e", variant: "v", input: CapturedPayload(contentType: "text/csv", data: Array(text.utf8)),
            output: nil, inferenceID: text, inferenceTime: time)
        let object = try parseRecord(record, configuration)
        let input = try #require((object["captureData"] as? [String: Any])?["endpointInput"] as? [String: String])
        #expect(input["data"] == text)
        #expect((object["eventMetadata"] as? [String: String])?["inferenceId"] == text)
    }

    @Test func shadowRecordsNameTheirProductionVariant() throws {
        let record = CaptureRecord(
            endpoint: "e", variant: "challenger", shadowOf: "champion",
            input: CapturedPayload(contentType: "text/csv", data: Array("1".utf8)), output: nil, inferenceTime: time)
        let metadata = try #require(try parseRecord(record, configuration)["eventMetadata"] as? [String: String])
        #expect(metadata["shadowOf"] == "champion")
        #expect(record.isShadow)
        let primary = try #require(try parseRecord(csvRecord(1), configuration)["eventMetadata"] as? [String: Any])
        #expect(primary["shadowOf"] == nil)
    }

    @Test func captureOptionsLeaveOutInputOrOutput() throws {
        let root = URL(fileURLWithPath: "/tmp")
        let inputOnly = try parseRecord(csvRecord(1), try makeConfiguration(root, captureOutput: false))
        let inputData = try #require(inputOnly["captureData"] as? [String: Any])
        #expect(Set(inputData.keys) == ["endpointInput"])
        let outputOnly = try parseRecord(csvRecord(1), try makeConfiguration(root, captureInput: false))
        let outputData = try #require(outputOnly["captureData"] as? [String: Any])
        #expect(Set(outputData.keys) == ["endpointOutput"])
    }
}
