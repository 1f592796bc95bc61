import Foundation
import HTTPTypes
import Hummingbird
import InvocationCore
import MappingTemplates
import NIOCore
import WireFormats

extension AdminAPI {
    /// Adds the mapping template operations to the admin group (behind the admin token):
    ///
    /// - `GET /admin/templates`: the templates in force (stored and `gateway.conf`);
    /// - `GET /admin/templates/audit[?endpoint=&limit=]`: the audit log, newest first;
    /// - `POST /admin/templates/render`: renders a template text from a JSON sample request;
    /// - under `/admin/endpoints/{endpoint}/templates/{request|response}/{type}/{subtype}` (`?variant=` for a
    ///   variant's template): `GET` (the template in force, or `?version=N`), `PUT` (store a new version; the raw
    ///   body is the template; `author`, `output_content_type`, `expected_version` or `If-Match`), `DELETE`,
    ///   `GET …/versions` (history), `GET …/diff?from=&to=`, `POST …/rollback?to=N`, `POST …/render`.
    static func addTemplateRoutes(to admin: RouterGroup<GatewayRequestContext>, runtime: GatewayRuntime) {
        let api = TemplateAdminAPI(runtime: runtime)
        admin.get("templates") { _, _ in try await api.list() }
        admin.get("templates/audit") { request, _ in try await api.audit(request) }
        admin.post("templates/render") { request, _ in try await api.render(request, key: nil) }
        let path = "endpoints/:endpoint/templates/:direction/:type/:subtype"
        admin.get(RouterPath(path)) { request, context in try await api.get(request, key: api.key(request, context)) }
        admin.put(RouterPath(path)) { request, context in try await api.put(request, key: api.key(request, context)) }
        admin.delete(RouterPath(path)) { request, context in
            try await api.delete(request, key: api.key(request, context))
        }
        admin.get(RouterPath(path + "/versions")) { request, context in
            try await api.history(key: api.key(request, context))
        }
        admin.get(RouterPath(path + "/diff")) { request, context in
            try await api.diff(request, key: api.key(request, context))
        }
        admin.post(RouterPath(path + "/rollback")) { request, context in
            try await api.rollback(request, key: api.key(request, context))
        }
        admin.post(RouterPath(path + "/render")) { request, context in
            try await api.render(request, key: api.key(request, context))
        }
    }
}

/// The handlers of the template admin operations.
struct TemplateAdminAPI: Sendable {
    let runtime: GatewayRuntime
    /// Largest accepted template or sample request.
    static let maxBodyBytes = 1 << 20

    var registry: TemplateRegistry { runtime.templates }

    /// The key named by the path's segments, percent-decoded as clients encode them, and the `variant` query.
    func key(_ request: Request, _ context: GatewayRequestContext) throws -> TemplateKey {
        let contentType = "\(try context.segment("type"))/\(try context.segment("subtype"))"
        let variant = request.uri.queryParameters["variant"].map(String.init)
        let endpoint = try context.segment("endpoint")
        let direction = try context.segment("direction")
        let configuration = runtime.configuration
        return try Self.mapped {
            try TemplateKey(
                endpoint: endpoint, variant: variant, direction: direction, contentType: contentType, in: configuration)
        }
    }

    func list() async throws -> Response {
        let store = try Self.mapped { try registry.store() }
        let live = try await Self.awaiting { try await store.liveTemplates().templates }
        let latest = try await Self.awaiting { try await store.latestVersionNumbers() }
        return try Self.json(
            .ok, TemplateCatalog.list(configuration: runtime.configuration, live: live, latestVersions: latest))
    }

    func audit(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let limit = query["limit"].flatMap { Int($0) } ?? 100
        guard (1...10_000).contains(limit) else { throw GatewayError.validation("limit must be between 1 and 10000.") }
        let store = try Self.mapped { try registry.store() }
        let entries = try await Self.awaiting {
            try await store.audit(endpoint: query["endpoint"].map(String.init), limit: limit)
        }
        return try Self.json(.ok, entries.map(AuditEntryJSON.init))
    }

    func get(_ request: Request, key: TemplateKey) async throws -> Response {
        let store = try Self.mapped { try registry.store() }
        let history = try await Self.awaiting { try await store.history(key) }
        if let number = request.uri.queryParameters["version"] {
            guard let version = Int(number), let found = history.first(where: { $0.version == version }) else {
                throw Self.error(.notFound(key: key, version: Int(number)))
            }
            return try Self.json(.ok, VersionJSON(found, includeSource: true))
        }
        guard let effective = TemplateCatalog.effective(key, configuration: runtime.configuration, history: history)
        else {
            throw Self.error(.notFound(key: key, version: nil))
        }
        var response = try Self.json(.ok, effective)
        response.headers[.eTag] = "\"\(effective.latestVersion)\""
        return response
    }

    func put(_ request: Request, key: TemplateKey) async throws -> Response {
        let source = String(buffer: try await Self.body(request))
        let query = request.uri.queryParameters
        var output = query["output_content_type"].map(String.init)
        if let type = output {
            guard key.direction == .request else {
                throw GatewayError.validation("output_content_type applies to request templates only.")
            }
            guard MediaType.isOutputContentType(type) else {
                throw GatewayError.validation("output_content_type \"\(type)\" is not a media type like text/csv.")
            }
            output = type
        }
        let store = try Self.mapped { try registry.store() }
        let expected = try Self.expectedVersion(request)
        let actor = Self.actor(request)
        let version: TemplateVersion
        do {
            version = try await store.put(
                key, source: source, outputContentType: output, actor: actor, expectedVersion: expected)
        } catch {
            throw Self.error(error, name: key.description)
        }
        return try await changed(version, status: version.version == 1 ? .created : .ok)
    }

    func delete(_ request: Request, key: TemplateKey) async throws -> Response {
        let store = try Self.mapped { try registry.store() }
        let expected = try Self.expectedVersion(request)
        let actor = Self.actor(request)
        let version = try await Self.awaiting { try await store.delete(key, actor: actor, expectedVersion: expected) }
        return try await changed(version, status: .ok)
    }

    func rollback(_ request: Request, key: TemplateKey) async throws -> Response {
        guard let target = request.uri.queryParameters["to"].flatMap({ Int($0) }) else {
            throw GatewayError.validation("Rollback needs ?to=<version>.")
        }
        let store = try Self.mapped { try registry.store() }
        let expected = try Self.expectedVersion(request)
        let actor = Self.actor(request)
        let version = try await Self.awaiting {
            try await store.rollback(key, to: target, actor: actor, expectedVersion: expected)
        }
        return try await changed(version, status: .ok)
    }

    func history(key: TemplateKey) async throws -> Response {
        let store = try Self.mapped { try registry.store() }
        let history = try await Self.awaiting { try await store.history(key) }
        guard !history.isEmpty else { throw Self.error(.notFound(key: key, version: nil)) }
        return try Self.json(.ok, history.map { VersionJSON($0, includeSource: false) })
    }

    func diff(_ request: Request, key: TemplateKey) async throws -> Response {
        let query = request.uri.queryParameters
        guard let from = query["from"].flatMap({ Int($0) }) else {
            throw GatewayError.validation(
                "Diff needs ?from=<version> (and optionally &to=<version>, default the latest).")
        }
        let store = try Self.mapped { try registry.store() }
        let history = try await Self.awaiting { try await store.history(key) }
        let to = query["to"].flatMap { Int($0) } ?? history.last?.version ?? 0
        guard let old = history.first(where: { $0.version == from }) else {
            throw Self.error(.notFound(key: key, version: from))
        }
        guard let new = history.first(where: { $0.version == to }) else {
            throw Self.error(.notFound(key: key, version: to))
        }
        let text = TemplateDiff.unified(old, new)
        return Response(
            status: .ok, headers: [.contentType: "text/x-diff; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Renders a template against a JSON sample request: `{"body", "content_type", "headers", "query", "path",
    /// "stage_variables", "context", "features", "template", "version"}` (all optional but `template` without a
    /// key). Answers the rendered text exactly.
    func render(_ request: Request, key: TemplateKey?) async throws -> Response {
        let body = try await Self.body(request)
        let sample: RenderSample
        do {
            sample = try RenderSample(json: body.readableBytesView)
        } catch {
            throw GatewayError.validation("The sample request must be a JSON object: \(error.description)")
        }
        let template: MappingTemplate
        var stageVariables: [String: String] = [:]
        if let key, let endpoint = runtime.configuration.endpoint(named: key.endpoint) {
            let variant = endpoint.variants.first { $0.name == key.variant }
            stageVariables = endpoint.templates.stageVariables.merging(variant?.templates.stageVariables ?? [:]) { $1 }
        }
        if let source = sample.template {
            template = try Self.compile(source, name: key?.description ?? "template")
        } else if let key {
            let store = try Self.mapped { try registry.store() }
            let history = try await Self.awaiting { try await store.history(key) }
            let source: String?
            if let version = sample.version {
                guard let found = history.first(where: { $0.version == version }) else {
                    throw Self.error(.notFound(key: key, version: version))
                }
                source = found.source
            } else {
                source = TemplateCatalog.effective(key, configuration: runtime.configuration, history: history)?.source
            }
            guard let source else { throw Self.error(.notFound(key: key, version: sample.version)) }
            template = try Self.compile(source, name: key.description)
        } else {
            throw GatewayError.validation("The sample request needs a \"template\" text.")
        }
        var input = sample.input(endpoint: key?.endpoint ?? "", variant: key?.variant ?? "")
        input.stageVariables = stageVariables.merging(input.stageVariables) { $1 }
        do {
            let output = try template.render(input)
            return Response(
                status: .ok, headers: [.contentType: key?.contentType ?? "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: output)))
        } catch {
            throw Self.templateError(error, name: key?.description ?? "template")
        }
    }

    /// Swaps the change in for this process's requests at once, then answers with the new version.
    private func changed(_ version: TemplateVersion, status: HTTPResponse.Status) async throws -> Response {
        do {
            try await registry.refresh()
        } catch {
            registry.logger.error("Template change stored but not loaded", metadata: ["error": "\(error.description)"])
        }
        var response = try Self.json(status, VersionJSON(version, includeSource: false))
        response.headers[.eTag] = "\"\(version.version)\""
        return response
    }

    // MARK: Helpers

    static func body(_ request: Request) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: maxBodyBytes)
        } catch {
            throw GatewayError.validation("The request body must be at most \(maxBodyBytes) bytes.")
        }
    }

    static func compile(_ source: String, name: String) throws(GatewayError) -> MappingTemplate {
        do {
            return try MappingTemplate(source: source, name: name)
        } catch {
            throw templateError(error, name: name)
        }
    }

    /// `expected_version=N` or `If-Match: "N"` (`*` or absent: no check).
    static func expectedVersion(_ request: Request) throws(GatewayError) -> Int? {
        if let text = request.uri.queryParameters["expected_version"] {
            guard let version = Int(text), version >= 0 else {
                throw .validation("expected_version must be a version number (0 = none stored yet).")
            }
            return version
        }
        guard let match = request.headers[.ifMatch]?.trimmingCharacters(in: .whitespaces), match != "*" else {
            return nil
        }
        let bare = match.hasPrefix("W/") ? String(match.dropFirst(2)) : match
        guard let version = Int(bare.trimmingCharacters(in: CharacterSet(charactersIn: "\""))) else {
            throw .validation("If-Match must be a version ETag such as \"3\".")
        }
        return version
    }

    static func actor(_ request: Request) -> TemplateStore.Actor {
        let author =
            request.uri.queryParameters["author"].map(String.init)
            ?? request.headers[HTTPField.Name("X-Mlgateway-Author")!] ?? "admin-api"
        return TemplateStore.Actor(author: author.isEmpty ? "admin-api" : author, origin: "admin-api")
    }

    /// Runs a store operation, turning its ``TemplateStoreError`` into the AWS-style answer.
    static func mapped<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as TemplateStoreError {
            throw Self.error(error)
        }
    }

    /// Runs an asynchronous store operation, turning its ``TemplateStoreError`` into the AWS-style answer.
    static func awaiting<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as TemplateStoreError {
            throw Self.error(error)
        }
    }

    /// The AWS-style answer for a store failure.
    static func error(_ error: TemplateStoreError, name: String = "template") -> GatewayError {
        switch error {
        case .invalid(let failure):
            return templateError(failure, name: name)
        case .conflict:
            return GatewayError(code: .conflict, status: .conflict, message: error.description)
        case .notFound:
            return GatewayError(code: .notFound, status: .notFound, message: error.description)
        case .badKey, .rejected:
            return .validation(error.description)
        case .unavailable:
            return .serviceUnavailable(error.description)
        case .database:
            return .internalFailure(error.description)
        }
    }

    /// 400 `ValidationError` naming the line and column, with `line`, `column` and `excerpt` fields.
    static func templateError(_ error: TemplateError, name: String) -> GatewayError {
        GatewayError(
            code: .validation, status: .badRequest, message: "\(name):\(error.description)",
            fields: [("kind", error.kind.rawValue), ("excerpt", error.excerpt)],
            integerFields: [("line", error.line), ("column", error.column)])
    }

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// A stored version as the admin API shows it.
struct VersionJSON: Encodable {
    let endpoint: String
    let variant: String
    let direction: TemplateDirection
    let contentType: String
    let version: Int
    let action: TemplateAction
    let author: String
    let createdAt: Date
    let hash: String?
    let outputContentType: String?
    let restoredFrom: Int?
    let source: String?

    init(_ version: TemplateVersion, includeSource: Bool) {
        endpoint = version.key.endpoint
        variant = version.key.variant
        direction = version.key.direction
        contentType = version.key.contentType
        self.version = version.version
        action = version.action
        author = version.author
        createdAt = version.createdAt
        hash = version.hash
        outputContentType = version.outputContentType
        restoredFrom = version.restoredFrom
        source = includeSource ? version.source : nil
    }
}

/// An audit entry as the admin API shows it.
struct AuditEntryJSON: Encodable {
    let id: Int64
    let at: Date
    let actor: String
    let origin: String
    let action: String
    let endpoint: String
    let variant: String
    let direction: TemplateDirection
    let contentType: String
    let version: Int?
    let hash: String?
    let detail: String?

    init(_ entry: TemplateAuditEntry) {
        id = entry.id
        at = entry.at
        actor = entry.actor
        origin = entry.origin
        action = entry.action
        endpoint = entry.key.endpoint
        variant = entry.key.variant
        direction = entry.key.direction
        contentType = entry.key.contentType
        version = entry.version
        hash = entry.hash
        detail = entry.detail
    }
}
