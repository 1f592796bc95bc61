import NIOCore
import WireFormats

extension Enricher {
    /// The records of a CSV body and, per record, where its rules' lookups are in the plan's `wanted`.
    struct CSVPlan {
        var records: [CSV.Record]
        /// Per record: the index of each rule's lookup (nil for blank records).
        var slots: [[Int]?]
    }

    /// Reads the entity keys of every record; records with the same keys share their lookups.
    func planCSV(_ request: EnrichmentRequest) throws(FeatureStoreError) -> Plan {
        let text = String(buffer: request.body)
        let records = CSV.records(text[...])
        let needsFields = rules.contains { $0.keys.contains { if case .csvColumn = $0 { true } else { false } } }
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
        return Plan(body: .csv(CSVPlan(records: records, slots: slots)), wanted: wanted)
    }

    /// Appends each record's features to it, in rule order.
    func applyCSV(_ plan: CSVPlan, lookups: [FeatureLookup], to request: EnrichmentRequest) -> EnrichmentResult {
        var output = ByteBufferAllocator().buffer(capacity: request.body.readableBytes * 2)
        var firstRow: [FeatureLookup]?
        for (record, indices) in zip(plan.records, plan.slots) {
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
