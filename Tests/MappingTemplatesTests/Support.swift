import MappingTemplates

/// Renders `source` over the given parts; test helper.
func render(
    _ source: String,
    body: String = "",
    path: [String: String] = [:],
    query: [String: String] = [:],
    headers: [String: String] = [:],
    stageVariables: [String: String] = [:],
    context: TemplateValue = [:],
    features: [String: [String: String]] = [:],
    limits: TemplateLimits = .default
) throws -> String {
    let template = try MappingTemplate(source: source)
    let input = TemplateInput(
        body: body, pathParameters: path, queryParameters: query, headers: headers,
        stageVariables: stageVariables, context: context, features: features)
    return try template.render(input, limits: limits)
}

/// The error a render throws, or nil.
func renderError(_ source: String, body: String = "", limits: TemplateLimits = .default) -> TemplateError? {
    do {
        _ = try render(source, body: body, limits: limits)
        return nil
    } catch let error as TemplateError {
        return error
    } catch {
        return nil
    }
}
