import Foundation
import WireFormats

/// An endpoint's data-capture settings (`[endpoint.capture]` in the configuration file).
public struct CaptureConfiguration: Sendable, Equatable {
    /// Whether the endpoint captures at all.
    public var enabled: Bool
    /// The share of invocations captured, 0–100 (SageMaker's `InitialSamplingPercentage`).
    public let samplingPercentage: Double
    /// The root directory; records go to `{destination}/{endpoint}/{variant}/yyyy/mm/dd/hh/`.
    public var destination: URL {
        didSet { destinationPath = destination.path }
    }
    /// Whether the request payload is captured (`endpointInput`).
    public var captureInput: Bool
    /// Whether the response payload is captured (`endpointOutput`).
    public var captureOutput: Bool
    /// Content types whose payloads are written as CSV text (matched on the media type, ignoring parameters and case).
    public let csvContentTypes: [String]
    /// Content types whose payloads are written as JSON text (matched on the media type, ignoring parameters and case).
    public let jsonContentTypes: [String]
    /// A file is rotated before it would grow beyond this many bytes (a single larger line gets a file of its own).
    public var maxFileBytes: Int

    /// `destination.path`, worked out once (the writer needs it for every record).
    private(set) var destinationPath: String
    let sampler: CaptureSampler
    let csvMediaTypes: [[UInt8]]
    let jsonMediaTypes: [[UInt8]]

    /// Validates and creates a configuration.
    /// - Throws: ``CaptureError`` when the percentage is outside 0–100, nothing is captured, or `maxFileBytes` < 1.
    public init(
        enabled: Bool = true,
        samplingPercentage: Double = 100,
        destination: URL,
        captureInput: Bool = true,
        captureOutput: Bool = true,
        csvContentTypes: [String] = ["text/csv"],
        jsonContentTypes: [String] = ["application/json"],
        maxFileBytes: Int = 64 * 1024 * 1024
    ) throws(CaptureError) {
        guard samplingPercentage >= 0, samplingPercentage <= 100 else {
            throw CaptureError("capture sampling_percentage must be between 0 and 100, got \(samplingPercentage)")
        }
        guard captureInput || captureOutput else {
            throw CaptureError("capture must include \"input\", \"output\" or both")
        }
        guard maxFileBytes >= 1 else {
            throw CaptureError("capture max_file_bytes must be positive, got \(maxFileBytes)")
        }
        self.enabled = enabled
        self.samplingPercentage = samplingPercentage
        self.destination = destination
        self.destinationPath = destination.path
        self.captureInput = captureInput
        self.captureOutput = captureOutput
        self.csvContentTypes = csvContentTypes
        self.jsonContentTypes = jsonContentTypes
        self.maxFileBytes = maxFileBytes
        self.sampler = CaptureSampler(percentage: samplingPercentage)
        self.csvMediaTypes = csvContentTypes.map { Array(MediaType.normalize($0).utf8) }
        self.jsonMediaTypes = jsonContentTypes.map { Array(MediaType.normalize($0).utf8) }
    }

    /// Whether this invocation should be captured: enabled, and chosen with probability `samplingPercentage`/100.
    /// Lock-free and allocation-free; safe to call from any number of request handlers at once.
    public func shouldSample() -> Bool {
        enabled && sampler.shouldSample()
    }

    /// The encoding a payload of this content type is written with.
    public func encoding(forContentType contentType: String) -> CaptureEncoding {
        var contentType = contentType
        return contentType.withUTF8 { bytes in
            if csvMediaTypes.contains(where: { MediaType.matches(bytes, $0) }) { return .csv }
            if jsonMediaTypes.contains(where: { MediaType.matches(bytes, $0) }) { return .json }
            return .base64
        }
    }

    public static func == (lhs: CaptureConfiguration, rhs: CaptureConfiguration) -> Bool {
        lhs.enabled == rhs.enabled && lhs.samplingPercentage == rhs.samplingPercentage
            && lhs.destination == rhs.destination && lhs.captureInput == rhs.captureInput
            && lhs.captureOutput == rhs.captureOutput && lhs.csvContentTypes == rhs.csvContentTypes
            && lhs.jsonContentTypes == rhs.jsonContentTypes && lhs.maxFileBytes == rhs.maxFileBytes
    }
}
