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
    public var stageVariables: [String: String]
    /// The `$context` object, normally a ``TemplateValue/map(_:)`` with nested `identity` and `authorizer` maps.
    public var context: TemplateValue
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
        self.stageVariables = stageVariables
        self.context = context
        self.features = features
    }

    /// Sets `Content-Type` to `contentType` unless the headers have one already (in any case): a sample render's
    /// media type, given apart from its headers.
    public mutating func defaultContentType(_ contentType: String?) {
        guard let contentType, !headers.keys.contains(where: { $0.lowercased() == "content-type" }) else { return }
        headers["Content-Type"] = contentType
    }
}
