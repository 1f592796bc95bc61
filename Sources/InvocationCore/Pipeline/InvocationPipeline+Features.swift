import FeatureStore

extension InvocationPipeline {
    /// Enriches the invocation with features from the online feature store, as the endpoint's `enrich` rules say,
    /// when every feature can be served at once (fresh in the process's cache); false when one has to be read
    /// from Redis (``enrich(_:run:)``).
    ///
    /// The body gets the features (merged into JSON, appended to CSV rows) and ``Invocation/features`` gets them for
    /// the request template. A missing entity key is the client's error (400); a store failure that the view's
    /// `on_error` policy cannot cover is 503.
    package func enrichNow(_ invocation: inout Invocation, run: InvocationRun) throws(GatewayError) -> Bool {
        guard let enricher = invocation.endpoint.enricher else { return true }
        do {
            guard let result = try enricher.enrichFromCache(Self.enrichment(of: invocation, run: run)) else {
                return false
            }
            Self.apply(result, to: &invocation)
            return true
        } catch {
            throw GatewayError(error)
        }
    }

    /// Enriches the invocation, reading from Redis what the cache does not hold.
    package func enrich(_ invocation: inout Invocation, run: InvocationRun) async throws(GatewayError) {
        guard let enricher = invocation.endpoint.enricher else { return }
        do {
            Self.apply(try await enricher.enrich(Self.enrichment(of: invocation, run: run)), to: &invocation)
        } catch {
            throw GatewayError(error)
        }
    }

    private static func enrichment(of invocation: Invocation, run: InvocationRun) -> EnrichmentRequest {
        EnrichmentRequest(
            body: invocation.body, contentType: invocation.contentType,
            headers: run.request.head.headerFields.map { (name: $0.name.canonicalName, value: $0.value) },
            query: run.request.queryParameters)
    }

    private static func apply(_ result: EnrichmentResult, to invocation: inout Invocation) {
        invocation.body = result.body
        invocation.features = result.features
    }
}

extension GatewayError {
    /// The answer for a feature store failure: 400 `ValidationError` when the request is at fault (no or a bad entity
    /// key), 503 `ServiceUnavailable` when the store is.
    package init(_ error: FeatureStoreError) {
        self = error.isClientError ? .validation(error.description) : .serviceUnavailable(error.description)
    }
}
