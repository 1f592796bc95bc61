import Crypto
import Foundation

/// The 256-bit AES-GCM key that encrypts SigV4 secret access keys at rest.
///
/// Loaded from `MLGATEWAY_MASTER_KEY` (base64 of 32 bytes, e.g. from `openssl rand -base64 32`) or from a file
/// holding the same text; the environment wins when both are set.
public struct MasterKey: Sendable {
    /// Environment variable holding the base64 master key.
    public static let environmentVariable = "MLGATEWAY_MASTER_KEY"

    /// The key bytes (`SymmetricKey` is not `Sendable`, so it is rebuilt for each use, which is rare).
    private let bytes: [UInt8]

    private var key: SymmetricKey { SymmetricKey(data: bytes) }

    /// Creates a master key from base64 text of exactly 32 bytes (surrounding whitespace ignored).
    public init(base64: String) throws(KeyStoreError) {
        guard let data = Data(base64Encoded: String(base64.trimmingCharacters(in: .whitespacesAndNewlines))),
            data.count == 32
        else {
            throw KeyStoreError(
                kind: .masterKeyInvalid,
                message: "the master key must be base64 of exactly 32 bytes; create one with: openssl rand -base64 32")
        }
        self.bytes = Array(data)
    }

    /// Creates a random master key (tests and first-time setup).
    public static func random() -> MasterKey {
        MasterKey(bytes: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Base64 of the key bytes, the format ``init(base64:)`` reads.
    public var base64: String {
        Data(bytes).base64EncodedString()
    }

    /// The master key from the environment, else from `file`; `nil` when neither is configured.
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment, file: String? = nil
    ) throws(KeyStoreError) -> MasterKey? {
        if let value = environment[environmentVariable], !value.isEmpty {
            return try MasterKey(base64: value)
        }
        guard let file else { return nil }
        guard FileManager.default.fileExists(atPath: file) else {
            throw KeyStoreError(
                kind: .masterKeyInvalid,
                message:
                    "the master key file '\(file)' does not exist; create it with: umask 077; openssl rand -base64 32 > \(file)"
            )
        }
        let contents: String
        do {
            contents = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw KeyStoreError(kind: .masterKeyInvalid, message: "cannot read the master key file '\(file)': \(error)")
        }
        return try MasterKey(base64: contents)
    }

    /// Encrypts `plaintext`, binding it to `context` (authenticated, not encrypted).
    func seal(_ plaintext: [UInt8], context: String) throws(KeyStoreError) -> [UInt8] {
        do {
            let box = try AES.GCM.seal(plaintext, using: key, authenticating: Array(context.utf8))
            guard let combined = box.combined else {
                throw KeyStoreError(kind: .masterKeyInvalid, message: "AES-GCM produced no combined box")
            }
            return Array(combined)
        } catch let error as KeyStoreError {
            throw error
        } catch {
            throw KeyStoreError(kind: .masterKeyInvalid, message: "cannot encrypt a secret: \(error)")
        }
    }

    /// Decrypts what ``seal(_:context:)`` produced for the same `context`.
    func open(_ sealed: [UInt8], context: String) throws(KeyStoreError) -> [UInt8] {
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            return Array(try AES.GCM.open(box, using: key, authenticating: Array(context.utf8)))
        } catch {
            throw KeyStoreError(
                kind: .masterKeyMismatch,
                message:
                    "the secret of '\(context)' does not decrypt: the master key differs from the one it was created with"
            )
        }
    }
}
