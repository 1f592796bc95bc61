import Synchronization

/// One variant's ``TemplateScope``, kept while the stored templates stay at the revision it was built from.
///
/// A variant's configuration never changes (a reload builds new variants), so the store revision is the only thing
/// that can make a cached scope stale.
package final class TemplateScopeCache: Sendable {
    private let cached = Mutex<(revision: Int64, scope: TemplateScope?)?>(nil)

    /// The scope built at `revision`, if that is the one cached (`.some(nil)`: no template applies).
    package func scope(at revision: Int64) -> TemplateScope?? {
        cached.withLock { cached in
            guard let cached, cached.revision == revision else { return nil }
            return .some(cached.scope)
        }
    }

    /// Keeps `scope`, built from the stored templates at `revision`.
    package func store(_ scope: TemplateScope?, at revision: Int64) {
        cached.withLock { $0 = (revision, scope) }
    }
}
