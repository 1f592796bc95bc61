import NIOCore
import WireFormats

extension Enricher {
    func enrichCSV(_ request: EnrichmentRequest) async throws(FeatureStoreError) -> EnrichmentResult {
        let text = String(buffer: request.body)
        let records = CSV.records(text[...])
        let needsFields = rules.contains { $0.keys.contains { if case .csvColumn = $0 { true } else { false } } }
        // Per record: the index of each rule's lookup in `wanted` (nil for blank records).
        var slots: [[Int]?] = []
        var wanted: [(view: String, entity: String?)] = []
        var positions: [String: Int] = [:]
        for record in records {
            guard !record.content.allSatisfy(\.isWhitespace) else {
                slots.append(nil)
                continue
            }
            var row: [String]?
            if needsFields {
                guard let fields = CSV.fields(record.content) else {
                    throw .invalidBody("unclosed quote in CSV line \(record.line)")
                }
                row = fields
            }
            var indices: [Int] = []
            for rule in rules {
                let entity = try entity(rule, request: request, json: nil, row: row, line: record.line)
                let key = rule.view + "\u{0}" + (entity ?? "\u{0}")
                if let position = positions[key] {
                    indices.append(position)
                } else {
                    positions[key] = wanted.count
                    indices.append(wanted.count)
                    wanted.append((rule.view, entity))
                }
            }
            slots.append(indices)
        }
        let lookups = try await lookUp(wanted)
        var output = ByteBufferAllocator().buffer(capacity: request.body.readableBytes * 2)
        var firstRow: [FeatureLookup]?
        for (record, indices) in zip(records, slots) {
            output.writeSubstring(record.content)
            if let indices {
                let rowLookups = indices.map { lookups[$0] }
                if firstRow == nil { firstRow = rowLookups }
                for lookup in rowLookups {
                    for value in lookup.values {
                        output.writeInteger(UInt8(ascii: ","))
                        output.writeString(CSV.field(value ?? ""))
                    }
                }
            }
            output.writeSubstring(record.lineBreak)
        }
        return EnrichmentResult(
            body: output, features: Self.templateFeatures(firstRow ?? []), lookups: lookups)
    }
}
