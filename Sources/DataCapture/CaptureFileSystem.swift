import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The file operations the writer needs; a seam so tests can stall or fail the disk.
protocol CaptureFileSystem: Sendable {
    /// Creates a directory and its parents when missing.
    func createDirectory(atPath path: String) throws
    /// Creates a new file for appending; fails when it exists (capture never appends to an existing file).
    func createFile(atPath path: String) throws -> any CaptureFile
}

/// An open capture file, used by the writer thread only.
protocol CaptureFile: AnyObject {
    /// Writes all of `bytes` or throws.
    func append(_ bytes: UnsafeRawBufferPointer) throws
    /// Cuts the file back to `size` bytes (to remove a partly written batch).
    func truncate(toSize size: Int) throws
    /// Flushes the file to stable storage.
    func synchronize() throws
    /// Closes the file.
    func closeFile() throws
}

/// The real file system, through POSIX calls.
struct PosixCaptureFileSystem: CaptureFileSystem {
    func createDirectory(atPath path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw CaptureError("cannot create capture directory \(path): \(error)")
        }
    }

    func createFile(atPath path: String) throws -> any CaptureFile {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw PosixCaptureFile.failure("create", path) }
        return PosixCaptureFile(descriptor: descriptor, path: path)
    }
}

/// A file descriptor opened by ``PosixCaptureFileSystem``.
final class PosixCaptureFile: CaptureFile {
    private var descriptor: Int32
    let path: String

    init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit {
        if descriptor >= 0 { _ = close(descriptor) }
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw Self.failure("write", path)
            }
            offset += written
        }
    }

    func truncate(toSize size: Int) throws {
        guard ftruncate(descriptor, off_t(size)) == 0 else { throw Self.failure("truncate", path) }
    }

    func synchronize() throws {
        guard fsync(descriptor) == 0 else { throw Self.failure("fsync", path) }
    }

    func closeFile() throws {
        let result = close(descriptor)
        descriptor = -1
        guard result == 0 else { throw Self.failure("close", path) }
    }

    static func failure(_ operation: String, _ path: String) -> CaptureError {
        CaptureError("cannot \(operation) capture file \(path): \(String(cString: strerror(errno)))")
    }
}
