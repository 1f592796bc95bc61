import FeatureStore
import Hummingbird

extension InvocationPipeline {
    /// Enriches the invocation with features from the online feature store, as the endpoint's `enrich` rules say.
    ///
    /// The body gets the features (merged into JSON, appended to CSV rows) and ``Invocation/features`` gets them for
    /// the request template. A missing entity key is the client's error (400); a store failure that the view's
    /// `on_error` policy cannot cover is 503.
    func enrich(_ invocation: inout Invocation, request: Request) async throws(GatewayError) {
        guard let enricher = invocation.endpoint.enricher else { return }
        let enrichment = EnrichmentRequest(
            body: invocation.body, contentType: invocation.contentType,
            headers: request.headers.map { (name: $0.name.canonicalName, value: $0.value) },
            query: request.uri.queryParameters.map { (name: String($0.key), value: String($0.value)) })
        do {
            let result = try await enricher.enrich(enrichment)
            invocation.body = result.body
            invocation.features = result.features
        } catch {
            if error.isClientError { throw .validation(error.description) }
            throw .serviceUnavailable(error.description)
        }
    }
}
