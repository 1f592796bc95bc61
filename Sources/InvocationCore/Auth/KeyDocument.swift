import Foundation
import GatewayAuth

/// A key as `keys list`/`keys show` and the admin API print it: every ``APIKeyInfo`` field plus its `status`.
public struct KeyDocument: Sendable, Encodable {
    /// The key.
    public var info: APIKeyInfo
    /// `active`, `revoked` or `expired`, at the time the document was made.
    public var status: APIKeyInfo.Status

    /// The document of `info` at `now`.
    public init(_ info: APIKeyInfo, now: Date = Date()) {
        self.info = info
        self.status = info.status(at: now)
    }

    private enum CodingKeys: String, CodingKey {
        case status
    }

    public func encode(to encoder: any Encoder) throws {
        try info.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
    }

    /// The encoder for key documents: ISO 8601 dates, sorted keys.
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting =
            pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
