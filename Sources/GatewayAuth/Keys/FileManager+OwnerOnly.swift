import Foundation

extension FileManager {
    /// Creates an empty file readable and writable by its owner only (0600) when `path` does not exist yet.
    ///
    /// The gateway's SQLite database holds key hashes and sealed secrets. Creating it before SQLite opens it gives it
    /// these permissions from the start, and SQLite creates the `-wal` and `-shm` files with the same ones. An empty
    /// file is a valid, empty SQLite database.
    public func createOwnerOnlyFileIfMissing(atPath path: String) {
        guard !fileExists(atPath: path) else { return }
        // A failure surfaces when SQLite opens the path, with SQLite's own error.
        _ = createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
    }
}
