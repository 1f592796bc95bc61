import CHiredis
import NIOCore

/// Encodes commands as RESP arrays of bulk strings with hiredis's `redisFormatCommandArgv`.
public enum RESPEncoder {
    /// Appends `arguments` (command name first) as one RESP command to `buffer`.
    public static func encode(_ arguments: [String], into buffer: inout ByteBuffer) {
        encode(bytes: arguments.map(\.utf8), into: &buffer)
    }

    /// Appends binary `arguments` (command name first) as one RESP command to `buffer`: Feast's keys and hash
    /// fields are not text.
    public static func encode<Argument: Collection<UInt8>>(bytes arguments: [Argument], into buffer: inout ByteBuffer) {
        guard !arguments.isEmpty else { return }
        // All arguments in one contiguous allocation (plus one byte so empty arguments still have an address).
        var storage: [UInt8] = []
        storage.reserveCapacity(arguments.reduce(1) { $0 + $1.count })
        var offsets: [Int] = []
        var lengths: [Int] = []
        offsets.reserveCapacity(arguments.count)
        lengths.reserveCapacity(arguments.count)
        for argument in arguments {
            offsets.append(storage.count)
            storage.append(contentsOf: argument)
            lengths.append(storage.count - offsets[offsets.count - 1])
        }
        storage.append(0)
        var target: UnsafeMutablePointer<CChar>?
        let written = storage.withUnsafeBytes { raw -> Int32 in
            guard let start = raw.baseAddress else { return -1 }
            let base = start.assumingMemoryBound(to: CChar.self)
            var argv: [UnsafePointer<CChar>?] = offsets.map { base + $0 }
            return argv.withUnsafeMutableBufferPointer { argvPointer in
                lengths.withUnsafeBufferPointer { lengthPointer in
                    redisFormatCommandArgv(
                        &target, Int32(arguments.count), argvPointer.baseAddress, lengthPointer.baseAddress)
                }
            }
        }
        guard let target else { return }
        defer { redisFreeCommand(target) }
        if written > 0 {
            buffer.writeBytes(UnsafeRawBufferPointer(start: target, count: Int(written)))
        }
    }

    /// The RESP encoding of one command.
    public static func encode(_ arguments: [String]) -> ByteBuffer {
        encode(bytes: arguments.map(\.utf8))
    }

    /// The RESP encoding of one command of binary arguments.
    public static func encode<Argument: Collection<UInt8>>(bytes arguments: [Argument]) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        encode(bytes: arguments, into: &buffer)
        return buffer
    }
}
