import NIOCore
import WireFormats

extension Enricher {
    /// Validates a JSON body and reads its entity keys; a blank body counts as `{}`.
    func planJSON(_ request: EnrichmentRequest) throws(FeatureStoreError) -> Plan {
        var body = request.body
        if body.readableBytesView.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
            body = ByteBuffer(staticString: "{}")
        }
        let wanted = try body.withUnsafeReadableBytes { raw throws(FeatureStoreError) in
            let scanner = JSONScanner(bytes: raw)
            do throws(JSONScanner.Invalid) {
                try scanner.validate()
            } catch {
                throw .invalidBody("malformed JSON: \(error.reason) at byte \(error.offset)")
            }
            var wanted: [(view: String, entity: String?)] = []
            for rule in rules {
                wanted.append((rule.view, try entity(rule, request: request, json: scanner, row: nil, line: nil)))
            }
            return wanted
        }
        return Plan(body: .json(body), wanted: wanted)
    }

    /// Splices each rule's features into the body at its `into` path.
    func applyJSON(_ lookups: [FeatureLookup], to body: ByteBuffer) throws(FeatureStoreError) -> EnrichmentResult {
        var body = body
        for (rule, lookup) in zip(rules, lookups) {
            body = try Self.insert(lookup, at: rule.into, into: body)
        }
        return EnrichmentResult(body: body, features: Self.templateFeatures(lookups), lookups: lookups)
    }

    /// Where and what to splice: replace `range` with `prefix`, then `{"k":` per name in `nested`, then the features
    /// object, then one `}` per nested name.
    private struct Splice {
        var range: Range<Int>
        var prefix: String
        var nested: ArraySlice<String>
    }

    /// Returns `body` with the features of `lookup` at `path` (member names), replacing an existing value there and
    /// creating missing objects on the way. Only the bytes around the splice point are touched.
    static func insert(
        _ lookup: FeatureLookup, at path: JSONPath, into body: ByteBuffer
    ) throws(FeatureStoreError) -> ByteBuffer {
        let names = path.keys ?? []
        let splice = try body.withUnsafeReadableBytes { raw throws(FeatureStoreError) in
            do throws(JSONScanner.Invalid) {
                return try splicePoint(JSONScanner(bytes: raw), names: names[...])
            } catch {
                throw .invalidBody("\(error.reason) at byte \(error.offset); cannot insert features at \(path)")
            }
        }
        var output = ByteBufferAllocator().buffer(capacity: body.readableBytes + 32 * (lookup.features.count + 2))
        let start = body.readerIndex
        if let head = body.getSlice(at: start, length: splice.range.lowerBound) { output.writeImmutableBuffer(head) }
        output.writeString(splice.prefix)
        for name in splice.nested {
            output.writeInteger(UInt8(ascii: "{"))
            FeatureJSON.writeString(name, to: &output)
            output.writeInteger(UInt8(ascii: ":"))
        }
        FeatureJSON.writeObject(lookup, to: &output)
        for _ in splice.nested { output.writeInteger(UInt8(ascii: "}")) }
        if let tail = body.getSlice(
            at: start + splice.range.upperBound, length: body.readableBytes - splice.range.upperBound)
        {
            output.writeImmutableBuffer(tail)
        }
        return output
    }

    private static func splicePoint(
        _ scanner: JSONScanner, names: ArraySlice<String>
    ) throws(JSONScanner.Invalid) -> Splice {
        var object = try scanner.rootValue().lowerBound
        guard scanner.bytes[object] == UInt8(ascii: "{") else {
            throw JSONScanner.Invalid(offset: object, reason: "the JSON body is not an object")
        }
        var remaining = names
        while let name = remaining.first {
            remaining = remaining.dropFirst()
            var match: JSONScanner.Member?
            let closing = try scanner.forEachMember(ofObjectAt: object) { member throws(JSONScanner.Invalid) in
                guard try scanner.key(member, equals: name) else { return true }
                match = member
                return false
            }
            guard let match else {
                let isEmpty = scanner.skipWhitespace(object + 1) == closing
                var prefix = isEmpty ? "" : ","
                var quoted = ByteBuffer()
                FeatureJSON.writeString(name, to: &quoted)
                prefix += String(buffer: quoted) + ":"
                return Splice(range: closing..<closing, prefix: prefix, nested: remaining)
            }
            if remaining.isEmpty || scanner.bytes[match.value.lowerBound] != UInt8(ascii: "{") {
                return Splice(range: match.value, prefix: "", nested: remaining)
            }
            object = match.value.lowerBound
        }
        throw JSONScanner.Invalid(offset: object, reason: "empty target path")
    }
}
