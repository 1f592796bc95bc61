import Foundation

@testable import GatewayAuth

/// A fresh directory holding `mlgateway.sqlite`, removed when the test ends.
final class TemporaryDatabase {
    let directory: URL
    let path: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-auth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("mlgateway.sqlite").path
    }

    /// A store on the database (each call opens an independent connection pool, like another process would).
    func store(masterKey: MasterKey? = nil) throws -> KeyStore {
        try KeyStore(path: path, masterKey: masterKey)
    }

    /// The bytes of every file in the directory (database, WAL and shared memory).
    func allBytes() throws -> [UInt8] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).flatMap { name in
            Array(try Data(contentsOf: directory.appendingPathComponent(name)))
        }
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs in these bytes.
    func contains(bytes needle: some StringProtocol) -> Bool {
        let pattern = Array(needle.utf8)
        guard !pattern.isEmpty, pattern.count <= count else { return false }
        return (0...(count - pattern.count)).contains { start in
            self[start..<(start + pattern.count)].elementsEqual(pattern)
        }
    }
}
