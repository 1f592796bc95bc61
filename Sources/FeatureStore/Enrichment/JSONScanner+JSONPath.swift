import WireFormats

extension JSONScanner {
    /// The range of the value at `path` below the value starting at `start`, or `nil` if absent.
    func find(_ path: ArraySlice<JSONPath.Component>, inValueAt start: Int) throws(Invalid) -> Range<Int>? {
        guard let step = path.first else { return start..<(try valueEnd(start)) }
        let rest = path.dropFirst()
        switch step {
        case .key(let name):
            guard start < bytes.count, bytes[start] == UInt8(ascii: "{") else { return nil }
            var found: Int?
            try forEachMember(ofObjectAt: start) { member throws(Invalid) in
                if try key(member, equals: name) {
                    found = member.value.lowerBound
                    return false
                }
                return true
            }
            guard let found else { return nil }
            return try find(rest, inValueAt: found)
        case .index(let wanted):
            guard start < bytes.count, bytes[start] == UInt8(ascii: "[") else { return nil }
            var index = skipWhitespace(start + 1)
            var position = 0
            while index < bytes.count, bytes[index] != UInt8(ascii: "]") {
                if position == wanted { return try find(rest, inValueAt: index) }
                index = skipWhitespace(try valueEnd(index))
                guard index < bytes.count else { break }
                if bytes[index] == UInt8(ascii: ",") { index = skipWhitespace(index + 1) }
                position += 1
            }
            return nil
        }
    }
}
