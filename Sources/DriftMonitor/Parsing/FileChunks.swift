import Foundation

/// Reads a file in fixed-size chunks (constant memory), and splits it into lines when asked.
enum FileChunks {
    static let chunkSize = 1 << 20

    /// The UTF-8 byte order mark some tools write at the start of a text file.
    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Calls `body` with each chunk of the file at `url`, in order; with `droppingByteOrderMark`, a
    /// ``byteOrderMark`` at the start of the file is left out.
    static func read(
        _ url: URL, droppingByteOrderMark: Bool = false,
        _ body: (UnsafeBufferPointer<UInt8>) throws(DriftMonitorError) -> Void
    ) throws(DriftMonitorError) {
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw DriftMonitorError("cannot open \(url.path): \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        var atStart = droppingByteOrderMark
        while true {
            let chunk: Data
            do {
                guard let data = try handle.read(upToCount: chunkSize), !data.isEmpty else { return }
                chunk = data
            } catch {
                throw DriftMonitorError("cannot read \(url.path): \(error.localizedDescription)")
            }
            let bytes = [UInt8](chunk)
            let start = atStart && bytes.starts(with: byteOrderMark) ? byteOrderMark.count : 0
            atStart = false
            try bytes.withUnsafeBufferPointer { (buffer) throws(DriftMonitorError) in
                try body(UnsafeBufferPointer(rebasing: buffer[start...]))
            }
        }
    }

    /// Calls `body` with each line of the file (without its newline); a last line without newline is passed with
    /// `complete == false`. `droppingByteOrderMark` as for ``read(_:droppingByteOrderMark:_:)``.
    static func lines(
        _ url: URL, droppingByteOrderMark: Bool = false,
        _ body: (_ line: UnsafeBufferPointer<UInt8>, _ complete: Bool) throws(DriftMonitorError) -> Void
    ) throws(DriftMonitorError) {
        var carry: [UInt8] = []
        try read(url, droppingByteOrderMark: droppingByteOrderMark) { (chunk) throws(DriftMonitorError) in
            var start = 0
            for index in 0..<chunk.count where chunk[index] == UInt8(ascii: "\n") {
                if carry.isEmpty {
                    try body(UnsafeBufferPointer(rebasing: chunk[start..<index]), true)
                } else {
                    carry.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[start..<index]))
                    try carry.withUnsafeBufferPointer { (line) throws(DriftMonitorError) in try body(line, true) }
                    carry.removeAll(keepingCapacity: true)
                }
                start = index + 1
            }
            carry.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[start..<chunk.count]))
        }
        if !carry.isEmpty {
            try carry.withUnsafeBufferPointer { (line) throws(DriftMonitorError) in try body(line, false) }
        }
    }
}
