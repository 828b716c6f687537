public import HeraldCore

/// What an audit of the caches (``CountsAudit``, ``NotificationAudit``) found for one cached
/// value: a user's counts, or one notification.
public enum CacheAuditOutcome: String, CaseIterable, Sendable {
    /// The store agreed.
    case agree
    /// The store disagreed where nothing had changed: the cache was wrong, and its value was dropped.
    case differ
    /// A change came between the reads: nothing to compare.
    case changed

    /// For counts: compares the cached counts with the store's, read after them. The store's seq never falls
    /// and a change reaches the cache only after its commit, so equal seqs name one state, whose
    /// counts must be equal, and a cached seq ahead of the store's is wrong.
    public init(cached: Counts, stored: Counts) {
        if cached.seq < stored.seq {
            self = .changed
        } else if cached == stored {
            self = .agree
        } else {
            self = .differ
        }
    }
}
