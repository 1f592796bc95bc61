import Foundation
import Testing
import WireFormats

@testable import DataCapture

@Suite struct CaptureConfigurationTests {
    let root = URL(fileURLWithPath: "/tmp/capture")

    @Test(arguments: [-1.0, 100.5, .nan])
    func samplingOutsideZeroToHundredIsRejected(_ percentage: Double) {
        #expect(throws: CaptureError.self) {
            try CaptureConfiguration(samplingPercentage: percentage, destination: root)
        }
    }

    @Test func capturingNothingIsRejected() {
        #expect(throws: CaptureError.self) {
            try CaptureConfiguration(destination: root, captureInput: false, captureOutput: false)
        }
    }

    @Test func nonPositiveFileSizeIsRejected() {
        #expect(throws: CaptureError.self) { try CaptureConfiguration(destination: root, maxFileBytes: 0) }
    }

    @Test(arguments: [
        ("text/csv", CaptureEncoding.csv), ("TEXT/CSV", .csv), ("text/csv; charset=utf-8", .csv),
        (" text/csv ;x=1", .csv),
        ("application/json", .json), ("application/json;charset=UTF-8", .json), ("application/jsonlines", .base64),
        ("text/csvx", .base64), ("", .base64), ("image/png", .base64),
    ])
    func encodingIsChosenByMediaTypeIgnoringParametersAndCase(_ contentType: String, _ expected: CaptureEncoding) throws
    {
        let configuration = try CaptureConfiguration(destination: root)
        #expect(configuration.encoding(forContentType: contentType) == expected)
    }

    @Test func configuredListsMayCarryParameters() throws {
        let configuration = try CaptureConfiguration(
            destination: root, csvContentTypes: ["Text/CSV; header=absent"], jsonContentTypes: ["application/jsonlines"]
        )
        #expect(configuration.encoding(forContentType: "text/csv") == .csv)
        #expect(configuration.encoding(forContentType: "application/jsonlines") == .json)
        #expect(configuration.encoding(forContentType: "application/json") == .base64)
    }

    @Test func disabledNeverSamples() throws {
        let configuration = try CaptureConfiguration(enabled: false, destination: root)
        #expect((0..<1000).allSatisfy { _ in !configuration.shouldSample() })
    }
}

@Suite struct CaptureSamplerTests {
    @Test func zeroNeverAndHundredAlways() {
        let never = CaptureSampler(percentage: 0)
        let always = CaptureSampler(percentage: 100)
        #expect((0..<10_000).allSatisfy { _ in !never.shouldSample() })
        #expect((0..<10_000).allSatisfy { _ in always.shouldSample() })
    }

    @Test(arguments: [1.0, 25.0, 50.0, 99.0])
    func rateIsWithinTolerance(_ percentage: Double) {
        let sampler = CaptureSampler(percentage: percentage)
        let draws = 200_000
        let hits = (0..<draws).reduce(0) { count, _ in sampler.shouldSample() ? count + 1 : count }
        let p = percentage / 100
        let standardDeviation = (Double(draws) * p * (1 - p)).squareRoot()
        #expect(abs(Double(hits) - Double(draws) * p) < 5 * standardDeviation)
    }

    @Test func concurrentCallersAllGetAnswers() async {
        let sampler = CaptureSampler(percentage: 50)
        let hits = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask { (0..<50_000).reduce(0) { count, _ in sampler.shouldSample() ? count + 1 : count } }
            }
            return await group.reduce(0, +)
        }
        #expect(abs(hits - 100_000) < 2_000)
    }
}
