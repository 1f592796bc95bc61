import Crypto

/// Random identifiers and secrets, and the `mlgw_<id>_<secret>` API key format.
enum KeyGenerator {
    /// Prefix of every API key.
    static let apiKeyPrefix = "mlgw_"
    /// Length of a key ID.
    static let idLength = 12
    /// Length of the secret part of an API key (52 base32 characters, 260 bits).
    static let secretLength = 52

    private static let base32Lower = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)
    private static let base32Upper = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)
    private static let base64 = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// `count` characters drawn uniformly from `alphabet` (whose size divides 256).
    static func randomString(_ count: Int, alphabet: [UInt8]) -> String {
        var generator = SystemRandomNumberGenerator()
        var out: [UInt8] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            out.append(alphabet[Int(UInt8.random(in: .min ... .max, using: &generator)) % alphabet.count])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A new key ID, e.g. `k7qz3mw2x5ab`.
    static func makeID() -> String { randomString(idLength, alphabet: base32Lower) }

    /// A new API key for `id`.
    static func makeAPIKey(id: String) -> String {
        apiKeyPrefix + id + "_" + randomString(secretLength, alphabet: base32Lower)
    }

    /// A new AWS-style access key ID, `MLGW` and 16 base32 characters.
    static func makeAccessKeyID() -> String { "MLGW" + randomString(16, alphabet: base32Upper) }

    /// A new AWS-style secret access key of 40 base64 characters.
    static func makeSecretAccessKey() -> String { randomString(40, alphabet: base64) }

    /// 16 random salt bytes.
    static func makeSalt() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// The key ID inside `apiKey`, or `nil` when it does not have the `mlgw_<id>_<secret>` form.
    static func id(of apiKey: String) -> Substring? {
        let utf8 = apiKey.utf8
        guard utf8.count == apiKeyPrefix.utf8.count + idLength + 1 + secretLength, apiKey.hasPrefix(apiKeyPrefix)
        else { return nil }
        let start = apiKey.index(apiKey.startIndex, offsetBy: apiKeyPrefix.count)
        let end = apiKey.index(start, offsetBy: idLength)
        guard apiKey[end] == "_" else { return nil }
        return apiKey[start..<end]
    }

    /// SHA-256 of `salt` followed by the UTF-8 of `apiKey`.
    static func hash(apiKey: String, salt: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: salt)
        hasher.update(data: Array(apiKey.utf8))
        return Array(hasher.finalize())
    }
}
