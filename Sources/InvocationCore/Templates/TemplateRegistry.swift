import Foundation
import Logging
import MappingTemplates
import PostgresState
import Synchronization

/// The mapping templates in force: `gateway.conf` templates (in the configuration snapshot) overridden by the
/// versions stored in SQLite, or in the fleet's PostgreSQL with `[state]` (held here, compiled).
///
/// Requests never read the database: they take the compiled stored templates from memory under one lock. ``refresh()``
/// (called by ``TemplateRefresher`` about four times a second, and right after every change made through this
/// process's admin API) reads the store's revision counter and, only when it moved, loads and compiles the live
/// versions and swaps them in at once. A request keeps the templates it started with.
///
/// The database is opened on first use, so building a runtime (in tests, `serve --check`) creates no file.
public final class TemplateRegistry: Sendable {
    /// Where `mlgateway.sqlite` lives.
    public let stateDirectory: URL
    /// The fleet's shared state store, when templates live in PostgreSQL.
    public let stateStore: PostgresStateStore?
    package let logger: Logger
    private let opened = Mutex<TemplateStore?>(nil)
    private let state = Mutex(State())

    private struct State {
        package var stored = StoredTemplates()
        package var metrics: [String: TemplateMetrics] = [:]
    }

    /// Creates a registry for the templates in `stateStore`, else in the database in `stateDirectory`.
    public init(stateDirectory: URL, stateStore: PostgresStateStore? = nil, logger: Logger) {
        self.stateDirectory = stateDirectory
        self.stateStore = stateStore
        self.logger = logger
    }

    /// The store, opened (and migrated) on first use.
    public func store() throws(TemplateStoreError) -> TemplateStore {
        try opened.withLock { store throws(TemplateStoreError) -> TemplateStore in
            if let store { return store }
            let new =
                if let stateStore { TemplateStore(postgres: stateStore) } else {
                    try TemplateStore(stateDirectory: stateDirectory)
                }
            store = new
            return new
        }
    }

    /// The revision of the stored templates in force (-1 before the first refresh).
    public var revision: Int64 { state.withLock { $0.stored.revision } }

    /// The stored templates in force.
    package var stored: StoredTemplates { state.withLock { $0.stored } }

    /// Loads the stored templates when the store's revision moved since the last load.
    ///
    /// A stored version that no longer compiles (e.g. after an engine change) is logged and left out; the
    /// `gateway.conf` template for its key, if any, applies instead.
    ///
    /// - Returns: whether new templates were swapped in.
    @discardableResult
    public func refresh() async throws(TemplateStoreError) -> Bool {
        let store = try store()
        let current = stored
        let revision = try await store.revision()
        guard revision != current.revision else { return false }
        let (loadedRevision, versions) = try await store.liveTemplates()
        var next = StoredTemplates(revision: loadedRevision)
        for version in versions {
            if let previous = current.templates[version.key], previous.version.hash == version.hash {
                next.insert(StoredTemplate(version: version, template: previous.template))
                continue
            }
            guard let source = version.source else { continue }
            do {
                next.insert(
                    StoredTemplate(
                        version: version, template: try MappingTemplate(source: source, name: version.key.description)))
            } catch {
                logger.error(
                    "Stored template does not compile; it is left out",
                    metadata: [
                        "template": "\(version.key)", "version": "\(version.version)", "error": "\(error.description)",
                    ])
            }
        }
        let swapped = state.withLock { state in
            guard next.revision > state.stored.revision else { return false }
            state.stored = next
            return true
        }
        if swapped {
            logger.info(
                "Mapping templates loaded", metadata: ["revision": "\(loadedRevision)", "stored": "\(versions.count)"])
        }
        return swapped
    }

    /// The templates that apply to requests of `endpoint` served by `variant`, or nil when none can apply (no
    /// template in the file or the store, and a pass-through behaviour other than `NEVER`), so that such requests
    /// skip the template stages. Built once per variant and store revision, and kept in the variant's `cache`.
    package func scope(
        endpoint: EndpointConfiguration, variant: VariantConfiguration, cache: TemplateScopeCache
    ) -> TemplateScope? {
        if let cached = cache.scope(at: revision) { return cached }
        let stored = stored
        let scope = makeScope(endpoint: endpoint, variant: variant, stored: stored)
        cache.store(scope, at: stored.revision)
        return scope
    }

    private func makeScope(
        endpoint: EndpointConfiguration, variant: VariantConfiguration, stored: StoredTemplates
    ) -> TemplateScope? {
        let passthrough =
            variant.templates.passthroughBehavior ?? endpoint.templates.passthroughBehavior ?? .whenNoMatch
        let hasFileTemplates =
            !endpoint.templates.request.isEmpty || !endpoint.templates.response.isEmpty
            || !variant.templates.request.isEmpty || !variant.templates.response.isEmpty
        guard hasFileTemplates || passthrough == .never || stored.endpoints.contains(endpoint.name) else { return nil }
        let metrics = state.withLock { state in
            if let metrics = state.metrics[endpoint.name] { return metrics }
            let metrics = TemplateMetrics(endpoint: endpoint.name)
            state.metrics[endpoint.name] = metrics
            return metrics
        }
        return TemplateScope(
            endpoint: endpoint, variant: variant, stored: stored, passthrough: passthrough, metrics: metrics)
    }
}

/// A stored version with its compiled template.
package struct StoredTemplate: Sendable {
    package let version: TemplateVersion
    package let template: MappingTemplate
}

/// The compiled live stored templates at one revision.
package struct StoredTemplates: Sendable {
    /// The store revision they were read at (-1: never loaded).
    package var revision: Int64 = -1
    package var templates: [TemplateKey: StoredTemplate] = [:]
    /// Media types with a stored template, per endpoint, variant and direction.
    package var contentTypes: [ScopeKey: Set<String>] = [:]
    /// Endpoints with at least one stored template.
    package var endpoints: Set<String> = []

    package struct ScopeKey: Hashable {
        package let endpoint: String
        package let variant: String
        package let direction: TemplateDirection
    }

    package mutating func insert(_ template: StoredTemplate) {
        let key = template.version.key
        templates[key] = template
        contentTypes[ScopeKey(endpoint: key.endpoint, variant: key.variant, direction: key.direction), default: []]
            .insert(key.contentType)
        endpoints.insert(key.endpoint)
    }
}
