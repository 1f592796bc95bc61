import Foundation

/// Reads a file line by line in chunks, without loading it whole.
struct LineReader {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var finished = false
    /// The 1-based number of the last line returned.
    private(set) var lineNumber = 0
    static let chunkSize = 1 << 16

    init(path: String) throws(FeatureStoreError) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .invalidFile(path: path, reason: "cannot open the file")
        }
        self.handle = handle
    }

    /// The next line without its line break (`\n` or `\r\n`), or `nil` at the end.
    mutating func next() -> String? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = String(decoding: buffer[start..<end], as: UTF8.self)
                start = newline + 1
                lineNumber += 1
                return line
            }
            if finished {
                guard start < buffer.count else { return nil }
                var end = buffer.count
                if buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = String(decoding: buffer[start..<end], as: UTF8.self)
                start = buffer.count
                lineNumber += 1
                return line
            }
            buffer.removeFirst(start)
            start = 0
            let chunk = handle.readData(ofLength: Self.chunkSize)
            if chunk.isEmpty { finished = true } else { buffer.append(contentsOf: chunk) }
        }
    }

    func close() {
        try? handle.close()
    }
}
