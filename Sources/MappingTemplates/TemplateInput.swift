/// Everything a render can read: the payload, request parameters and the values behind
/// `$context`, `$stageVariables` and `$features`.
public struct TemplateInput: Sendable {
    /// The raw request or response body (`$input.body`); an empty body reads as `{}`.
    public var body: String
    /// Path parameters (`$input.params().path`).
    public var pathParameters: [String: String]
    /// Query string parameters (`$input.params().querystring`).
    public var queryParameters: [String: String]
    /// Request headers (`$input.params().header`).
    public var headers: [String: String]
    /// Stage variables (`$stageVariables`).
    public var stageVariables: [String: String] {
        get { preparedStageVariables.values }
        set { preparedStageVariables = TemplateStageVariables(newValue) }
    }
    /// Stage variables already in the renderer's form: a caller passing the same ones to many inputs converts them
    /// once.
    public var preparedStageVariables: TemplateStageVariables
    /// The `$context` object, normally a ``TemplateValue/map(_:)`` with nested `identity` and `authorizer` maps.
    /// It is converted to the renderer's form when set, so that the renders of one input (a request's and its
    /// response's) share that work.
    public var context: TemplateValue {
        get { sharedContext.value }
        set { sharedContext = Self.shared(newValue) }
    }
    /// ``context`` with its form for the renderer.
    private(set) var sharedContext: SharedValue
    /// Enrichment results for `$features`: view name → feature name → value.
    public var features: [String: [String: String]]

    /// Creates an input; every part defaults to empty.
    public init(
        body: String = "",
        pathParameters: [String: String] = [:],
        queryParameters: [String: String] = [:],
        headers: [String: String] = [:],
        stageVariables: [String: String] = [:],
        context: TemplateValue = .map(TemplateMap()),
        features: [String: [String: String]] = [:]
    ) {
        self.body = body
        self.pathParameters = pathParameters
        self.queryParameters = queryParameters
        self.headers = headers
        self.preparedStageVariables = TemplateStageVariables(stageVariables)
        self.sharedContext = Self.shared(context)
        self.features = features
    }

    /// `context` in the renderer's form; an empty map (the gateway's when no template reads `$context`) shares
    /// ``SharedValue/emptyMap``.
    private static func shared(_ context: TemplateValue) -> SharedValue {
        if case .map(let map) = context, map.count == 0 { return .emptyMap }
        return SharedValue(context)
    }

    /// Sets `Content-Type` to `contentType` unless the headers have one already (in any case): a sample render's
    /// media type, given apart from its headers.
    public mutating func defaultContentType(_ contentType: String?) {
        guard let contentType, !headers.keys.contains(where: { $0.lowercased() == "content-type" }) else { return }
        headers["Content-Type"] = contentType
    }
}

/// Stage variables (`$stageVariables`) converted once into the renderer's form, for a caller that renders many
/// inputs with the same ones (the gateway: every request of an endpoint variant).
public struct TemplateStageVariables: Sendable {
    /// The map that `$stageVariables` reads, in key order.
    let shared: SharedValue

    /// Converts `values`.
    public init(_ values: [String: String]) {
        let sorted = values.sorted { $0.key < $1.key }
        shared = values.isEmpty ? .emptyMap : SharedValue(.map(TemplateMap(sorted.map { ($0.key, .string($0.value)) })))
    }

    /// The variables by name.
    public var values: [String: String] {
        guard case .map(let map) = shared.value else { return [:] }
        var values: [String: String] = [:]
        for (key, value) in map.entries {
            if case .string(let text) = value { values[key] = text }
        }
        return values
    }
}
