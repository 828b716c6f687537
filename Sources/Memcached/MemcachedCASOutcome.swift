/// The result of a compare-and-swap.
public enum MemcachedCASOutcome: Sendable, Hashable {
    /// The value was replaced.
    case stored
    /// The item changed since its CAS token was read; nothing was stored.
    case exists
    /// The item no longer exists; nothing was stored.
    case notFound
}
