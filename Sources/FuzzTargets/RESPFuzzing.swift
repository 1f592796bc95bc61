import FeatureStore

/// The RESP target: bytes a Redis server (or anything listening where one should be) sends back.
enum RESPFuzzing {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        guard let reader = try? RESPReader() else { return }
        // Fed in pieces whose sizes come from the input itself, as a socket delivers them, so replies split at every
        // kind of boundary are read too.
        var start = 0
        while start < bytes.count {
            let size = max(1, Int(bytes[start] % 64))
            let end = min(bytes.count, start + size)
            do throws(RedisError) {
                try reader.feed(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                while let reply = try reader.next() { _ = reply.string }
            } catch {
                return
            }
            start = end
        }
    }
}
