import Foundation

/// One captured invocation, written as one JSON line in SageMaker's data-capture format.
public struct CaptureRecord: Sendable {
    /// The endpoint name (first directory level of the capture layout).
    public var endpoint: String
    /// The variant that answered (second directory level).
    public var variant: String
    /// For a shadow variant's record, the name of the production variant it shadowed; `nil` otherwise.
    /// Written as `eventMetadata.shadowOf`.
    public var shadowOf: String?
    /// What the model saw (after mapping template and enrichment).
    public var input: CapturedPayload?
    /// What the model answered.
    public var output: CapturedPayload?
    /// The client's `X-Amzn-SageMaker-Inference-Id`, written only when present.
    public var inferenceID: String?
    /// When the invocation happened; decides the hour directory.
    public var inferenceTime: Date
    /// Unique per record (`eventMetadata.eventId`).
    public var eventID: UUID

    /// Creates a record; `inferenceTime` defaults to now and `eventID` to a fresh version 4 UUID.
    public init(
        endpoint: String,
        variant: String,
        shadowOf: String? = nil,
        input: CapturedPayload?,
        output: CapturedPayload?,
        inferenceID: String? = nil,
        inferenceTime: Date = Date(),
        eventID: UUID? = nil
    ) {
        self.endpoint = endpoint
        self.variant = variant
        self.shadowOf = shadowOf
        self.input = input
        self.output = output
        self.inferenceID = inferenceID
        self.inferenceTime = inferenceTime
        self.eventID = eventID ?? CaptureEventID.next()
    }

    /// Whether this record was captured for a shadow variant.
    public var isShadow: Bool { shadowOf != nil }
}
