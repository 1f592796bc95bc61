import Foundation
import Synchronization

@testable import DataCapture

/// A real file system whose first write blocks until released, to stall the writer.
final class StalledFileSystem: CaptureFileSystem {
    let entered = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)
    private let stalled = Atomic<Bool>(false)
    private let base = PosixCaptureFileSystem()

    func createDirectory(atPath path: String) throws {
        try base.createDirectory(atPath: path)
    }

    func createFile(atPath path: String) throws -> any CaptureFile {
        StalledFile(try base.createFile(atPath: path), owner: self)
    }

    fileprivate func stallOnce() {
        guard !stalled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        entered.signal()
        release.wait()
    }

    /// Waits (off the cooperative pool) until the writer is blocked inside a write.
    func waitUntilStalled() async {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                self.entered.wait()
                continuation.resume()
            }
        }
    }
}

private final class StalledFile: CaptureFile {
    let file: any CaptureFile
    let owner: StalledFileSystem

    init(_ file: any CaptureFile, owner: StalledFileSystem) {
        self.file = file
        self.owner = owner
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        owner.stallOnce()
        try file.append(bytes)
    }

    func truncate(toSize size: Int) throws { try file.truncate(toSize: size) }
    func synchronize() throws { try file.synchronize() }
    func closeFile() throws { try file.closeFile() }
}

/// A real file system whose writes fail after `failAfter` successful ones, having written half the bytes
/// (like a disk filling up mid-write).
final class FailingFileSystem: CaptureFileSystem {
    private let writes = Atomic<Int>(0)
    private let base = PosixCaptureFileSystem()
    let failAfter: Int

    init(failAfter: Int) {
        self.failAfter = failAfter
    }

    func createDirectory(atPath path: String) throws {
        try base.createDirectory(atPath: path)
    }

    func createFile(atPath path: String) throws -> any CaptureFile {
        FailingFile(try base.createFile(atPath: path), owner: self)
    }

    fileprivate func shouldFail() -> Bool {
        writes.add(1, ordering: .relaxed).newValue > failAfter
    }
}

private final class FailingFile: CaptureFile {
    let file: any CaptureFile
    let owner: FailingFileSystem

    init(_ file: any CaptureFile, owner: FailingFileSystem) {
        self.file = file
        self.owner = owner
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard owner.shouldFail() else { return try file.append(bytes) }
        try file.append(UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count / 2)]))
        throw CaptureError("disk full")
    }

    func truncate(toSize size: Int) throws { try file.truncate(toSize: size) }
    func synchronize() throws { try file.synchronize() }
    func closeFile() throws { try file.closeFile() }
}
