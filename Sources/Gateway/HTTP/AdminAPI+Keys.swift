import Foundation
import GatewayAuth
import Hummingbird
import InvocationCore
import NIOCore

extension AdminAPI {
    /// Adds the API key operations to the admin group (behind the admin token):
    ///
    /// - `POST /admin/keys`: creates a key from `{"name", "endpoints", "expires", "rate", "burst", "quota", "sigv4"}`
    ///   and answers 201 with its secrets (`{"id", "name", "apiKey"}`, plus `accessKeyId`/`secretAccessKey`), shown
    ///   only this once;
    /// - `GET /admin/keys`: `{"keys": [...]}` without secrets; `GET /admin/keys/{id}`: one key;
    /// - `POST /admin/keys/{id}/revoke`: revokes it for good; `POST /admin/keys/{id}/rotate`: new secrets, same IDs.
    ///
    /// Changes apply to this gateway at once and to other processes sharing the database within a second.
    static func addKeyRoutes(to admin: RouterGroup<GatewayRequestContext>, runtime: GatewayRuntime) {
        let api = KeyAdminAPI(runtime: runtime)
        admin.post("keys") { request, _ in try await api.create(request) }
        admin.get("keys") { _, _ in try await api.list() }
        admin.get("keys/:id") { _, context in try await api.show(id: try context.segment("id")) }
        admin.post("keys/:id/revoke") { _, context in try await api.revoke(id: try context.segment("id")) }
        admin.post("keys/:id/rotate") { _, context in try await api.rotate(id: try context.segment("id")) }
    }
}

/// The handlers of the key admin operations.
struct KeyAdminAPI: Sendable {
    let runtime: GatewayRuntime
    /// Largest accepted request document.
    static let maxBodyBytes = 64 * 1024

    func create(_ request: Request) async throws -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maxBodyBytes)
        } catch {
            throw GatewayError.validation("The request body must be at most \(Self.maxBodyBytes) bytes.")
        }
        let options: KeyOptions
        do {
            options = try JSONDecoder().decode(KeyOptions.self, from: body)
        } catch {
            throw GatewayError.validation(
                "The body must be a JSON object like {\"name\": \"team-a\", \"endpoints\": [\"demo\"], \"rate\": \"100/s\", \"sigv4\": true}: \(error)"
            )
        }
        let configuration = runtime.configuration
        let created = try await mapped { store throws(KeyStoreError) in
            try await options.create(in: store, configuration: configuration)
        }
        await runtime.keys.refresh()
        return try Self.json(.created, created)
    }

    func list() async throws -> Response {
        let keys = try await mapped { store throws(KeyStoreError) in try await store.list() }
        let now = Date()
        return try Self.json(.ok, ["keys": keys.map { KeyDocument($0, now: now) }])
    }

    func show(id: String) async throws -> Response {
        try Self.json(
            .ok, KeyDocument(try await mapped { store throws(KeyStoreError) in try await store.show(id: id) }))
    }

    func revoke(id: String) async throws -> Response {
        let info = try await mapped { store throws(KeyStoreError) in try await store.revoke(id: id) }
        await runtime.keys.refresh()
        return try Self.json(.ok, KeyDocument(info))
    }

    func rotate(id: String) async throws -> Response {
        let created = try await mapped { store throws(KeyStoreError) in try await store.rotate(id: id) }
        await runtime.keys.refresh()
        return try Self.json(.ok, created)
    }

    /// Runs an operation on the key store, turning its failure into an AWS-style error answer.
    private func mapped<T>(_ body: (KeyStore) async throws(KeyStoreError) -> T) async throws(GatewayError) -> T {
        do {
            return try await body(try runtime.keys.open(runtime.configuration.auth).store)
        } catch {
            throw GatewayError(error)
        }
    }

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) throws -> Response {
        let data = try KeyDocument.encoder().encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension GatewayError {
    /// The admin answer for a key store failure: 404 `ResourceNotFound`, 400 `ValidationError`, 503
    /// `ServiceUnavailable` while the shared state store is unreachable, or 500.
    init(_ error: KeyStoreError) {
        switch error.kind {
        case .notFound:
            self.init(code: .resourceNotFound, status: .notFound, message: error.message)
        case .invalidArgument, .masterKeyMissing:
            self.init(code: .validation, status: .badRequest, message: error.message)
        case .unavailable:
            self = .serviceUnavailable(error.message)
        case .masterKeyInvalid, .masterKeyMismatch, .database:
            self.init(code: .internalFailure, status: .internalServerError, message: error.message)
        }
    }
}
