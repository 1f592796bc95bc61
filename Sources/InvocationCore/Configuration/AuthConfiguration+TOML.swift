import Foundation
import GatewayAuth

extension AuthConfiguration {
    /// Reads the `[auth]` table of `table` (the document root), or the defaults when there is none.
    package init(readingTableIn table: inout ConfigTable) throws(ConfigurationError) {
        self.init()
        guard var auth = try table.table("auth") else { return }
        if let file = try auth.string("master_key_file") {
            guard !file.isEmpty else { throw auth.error("master_key_file", "must not be empty") }
            masterKeyFile = auth.context.url(forPath: file)
        }
        if let regions = try auth.stringArray("regions") {
            guard !regions.contains(where: \.isEmpty) else {
                throw auth.error("regions", "must not contain an empty region")
            }
            self.regions = regions
        }
        if let policy = try auth.string("session_tokens") {
            guard let parsed = SigV4Verifier.SessionTokenPolicy(rawValue: policy) else {
                throw auth.error("session_tokens", "must be \"ignore\" or \"reject\", not \"\(policy)\"")
            }
            sessionTokens = parsed
        }
        if let allow = try auth.bool("allow_presigned") { allowPresigned = allow }
        if let skew = try auth.duration("clock_skew") {
            guard skew >= .seconds(1), skew <= .seconds(3_600) else {
                throw auth.error("clock_skew", "must be between 1s and 1h")
            }
            clockSkew = skew
        }
        try auth.finish()
    }
}
