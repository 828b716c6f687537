public import HeraldCore

/// What ``CountsAudit`` found for one user whose counts a proven lineage held.
public enum CountsAuditOutcome: String, CaseIterable, Sendable {
    /// The store had the same seq and the same counts.
    case agree
    /// The store had the same seq and other counts, or an older seq: the cache was wrong, and its
    /// counts were dropped.
    case differ
    /// The store had moved on (a later seq) by the time it was read: nothing to compare.
    case changed

    /// Compares the cached counts with the store's, read after them. The store's seq never falls
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
