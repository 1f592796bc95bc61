import NIOCore
import WireFormats

/// What the enricher needs from a request.
public struct EnrichmentRequest: Sendable {
    /// The request body.
    public var body: ByteBuffer
    /// The `Content-Type` header, if any.
    public var contentType: String?
    /// Request headers (names compared case-insensitively).
    public var headers: [(name: String, value: String)]
    /// Query parameters in order.
    public var query: [(name: String, value: String)]

    /// Creates a request.
    public init(
        body: ByteBuffer, contentType: String?, headers: [(name: String, value: String)] = [],
        query: [(name: String, value: String)] = []
    ) {
        self.body = body
        self.contentType = contentType
        self.headers = headers
        self.query = query
    }
}

/// The enriched request.
public struct EnrichmentResult: Sendable {
    /// The body with features merged in (JSON) or appended as columns (CSV); unchanged for other content types.
    public var body: ByteBuffer
    /// Present feature values by view and feature name, for mapping templates (`$features.<view>.<feature>`); for a
    /// CSV body with several rows, those of the first row.
    public var features: [String: [String: String]]
    /// Every lookup made, in rule order (per row for CSV).
    public var lookups: [FeatureLookup]
}

/// Joins features to requests per an endpoint's enrichment rules.
///
/// The entity keys are read from the body, headers or query; the views are read concurrently through the
/// ``FeatureService`` (cache first). A JSON body gets each view's features as an object at the rule's `into` path,
/// spliced into the original bytes without re-serialising the body. A CSV body gets each view's features appended to
/// every row, in view order, each row with its own entity. Other bodies pass through unchanged; their features are
/// still returned for templates.
public struct Enricher: Sendable {
    /// The rules, applied in order.
    public let rules: [EnrichmentRule]
    let service: FeatureService
    /// Lookups in flight at most per request (CSV bodies with many rows).
    static let concurrency = 64

    /// Creates an enricher; throws if a rule names an unknown view or its key parts do not match the view's.
    public init(service: FeatureService, rules: [EnrichmentRule]) throws(FeatureStoreError) {
        for rule in rules {
            guard let view = service.view(named: rule.view) else { throw .unknownView(rule.view) }
            guard rule.keys.count == view.entityKeys.count else {
                throw .invalidConfiguration(
                    "enrichment of view '\(rule.view)' gives \(rule.keys.count) key(s) but the view's entity key "
                        + "has \(view.entityKeys.count) part(s): \(view.entityKeys.joined(separator: ", "))")
            }
        }
        self.service = service
        self.rules = rules
    }

    /// Enriches one request.
    public func enrich(_ request: EnrichmentRequest) async throws(FeatureStoreError) -> EnrichmentResult {
        let plan = try plan(request)
        return try apply(plan, lookups: try await lookUp(plan.wanted), to: request)
    }

    /// Enriches one request when every feature it needs can be served at once (fresh in the cache, or a view's
    /// defaults); nil when one has to be read from Redis (``enrich(_:)``).
    public func enrichFromCache(_ request: EnrichmentRequest) throws(FeatureStoreError) -> EnrichmentResult? {
        let plan = try plan(request)
        guard let lookups = try service.cachedLookups(plan.wanted) else { return nil }
        return try apply(plan, lookups: lookups, to: request)
    }

    /// What a request needs looked up, and how the lookups go into its body.
    struct Plan {
        enum Body {
            /// No rules: nothing is looked up or changed.
            case unchanged
            case json(ByteBuffer)
            case csv(CSVPlan)
            case other
        }

        var body: Body
        var wanted: [(view: String, entity: String?)]
    }

    /// Reads the entity keys of `request`.
    func plan(_ request: EnrichmentRequest) throws(FeatureStoreError) -> Plan {
        guard !rules.isEmpty else { return Plan(body: .unchanged, wanted: []) }
        switch BodyKind(contentType: request.contentType, body: request.body) {
        case .json: return try planJSON(request)
        case .csv: return try planCSV(request)
        case .other:
            var wanted: [(view: String, entity: String?)] = []
            for rule in rules {
                wanted.append((rule.view, try entity(rule, request: request, json: nil, row: nil, line: nil)))
            }
            return Plan(body: .other, wanted: wanted)
        }
    }

    /// Puts the `lookups` of `plan.wanted` into the request.
    func apply(
        _ plan: Plan, lookups: [FeatureLookup], to request: EnrichmentRequest
    ) throws(FeatureStoreError) -> EnrichmentResult {
        switch plan.body {
        case .unchanged:
            return EnrichmentResult(body: request.body, features: [:], lookups: [])
        case .json(let body):
            return try applyJSON(lookups, to: body)
        case .csv(let csv):
            return applyCSV(csv, lookups: lookups, to: request)
        case .other:
            return EnrichmentResult(body: request.body, features: Self.templateFeatures(lookups), lookups: lookups)
        }
    }

    /// A body's format, from its content type (or its first byte when there is none).
    enum BodyKind {
        case json
        case csv
        case other

        init(contentType: String?, body: ByteBuffer) {
            if let contentType {
                if Self.mentions(contentType, "json") {
                    self = .json
                } else if Self.mentions(contentType, "csv") {
                    self = .csv
                } else {
                    self = .other
                }
                return
            }
            let first = body.readableBytesView.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
            self = first == UInt8(ascii: "{") ? .json : .other
        }

        /// Whether `contentType` contains the lower-case ASCII `word`, ignoring ASCII case (on the UTF-8 bytes:
        /// it runs for every enriched request).
        private static func mentions(_ contentType: String, _ word: String) -> Bool {
            let bytes = contentType.utf8
            var start = bytes.startIndex
            while start != bytes.endIndex {
                let matches = bytes[start...].starts(with: word.utf8) { byte, expected in
                    (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte) == expected
                }
                if matches { return true }
                start = bytes.index(after: start)
            }
            return false
        }
    }

    /// The entity value of `rule` in a request (composite parts joined), or `nil` when missing and the view has
    /// defaults; throws ``FeatureStoreError/missingEntityKey(view:key:)`` when missing without defaults.
    func entity(
        _ rule: EnrichmentRule, request: EnrichmentRequest, json: JSONScanner?, row: [String]?, line: Int?
    ) throws(FeatureStoreError) -> String? {
        var parts: [String] = []
        parts.reserveCapacity(rule.keys.count)
        for source in rule.keys {
            let value: String?
            switch source {
            case .jsonPath(let path):
                guard let json else { throw .invalidBody("entity key \(source) needs a JSON body") }
                do {
                    let root = json.skipWhitespace(0)
                    value = try json.find(path.components[...], inValueAt: root).flatMap {
                        range throws(JSONScanner.Invalid) in
                        try json.scalarText(range)
                    }
                } catch {
                    throw .invalidBody("entity key \(source): \(error.reason) at byte \(error.offset)")
                }
            case .header(let name):
                value = request.headers.first { $0.name.lowercased() == name.lowercased() }?.value
            case .query(let name):
                value = request.query.first { $0.name == name }?.value
            case .csvColumn(let column):
                guard let row else { throw .invalidBody("entity key \(source) needs a CSV body") }
                value = column < row.count ? row[column] : nil
            }
            guard let value, !value.isEmpty else {
                guard service.view(named: rule.view)?.hasDefaults == true else {
                    let location = line.map { " (line \($0))" } ?? ""
                    throw .missingEntityKey(view: rule.view, key: "\(source)\(location)")
                }
                return nil
            }
            parts.append(value)
        }
        return FeatureViewConfiguration.entity(joining: parts)
    }

    /// Looks up `(view, entity)` pairs concurrently (at most ``concurrency`` at once); a `nil` entity gives the
    /// view's defaults. Results are in input order.
    func lookUp(_ wanted: [(view: String, entity: String?)]) async throws(FeatureStoreError) -> [FeatureLookup] {
        let deadline = ContinuousClock.now + service.configuration.lookupBudget
        if wanted.count == 1, let only = wanted.first {
            return [try await lookUp(view: only.view, entity: only.entity, deadline: deadline)]
        }
        let results = await withTaskGroup(of: (Int, Result<FeatureLookup, FeatureStoreError>).self) { group in
            var results = [Result<FeatureLookup, FeatureStoreError>?](repeating: nil, count: wanted.count)
            var next = 0
            func addTask() {
                let index = next
                let item = wanted[index]
                next += 1
                group.addTask {
                    do throws(FeatureStoreError) {
                        return (
                            index, .success(try await lookUp(view: item.view, entity: item.entity, deadline: deadline))
                        )
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            while next < min(wanted.count, Self.concurrency) { addTask() }
            while let (index, result) = await group.next() {
                results[index] = result
                if next < wanted.count { addTask() }
            }
            return results
        }
        var lookups: [FeatureLookup] = []
        lookups.reserveCapacity(results.count)
        for result in results {
            guard let result else { continue }
            lookups.append(try result.get())
        }
        return lookups
    }

    private func lookUp(
        view: String, entity: String?, deadline: ContinuousClock.Instant
    ) async throws(FeatureStoreError) -> FeatureLookup {
        guard let entity else { return try service.defaults(view: view) }
        return try await service.lookup(view: view, entity: entity, deadline: deadline)
    }

    static func templateFeatures(_ lookups: some Sequence<FeatureLookup>) -> [String: [String: String]] {
        var features: [String: [String: String]] = [:]
        for lookup in lookups where features[lookup.view] == nil { features[lookup.view] = lookup.dictionary }
        return features
    }
}
