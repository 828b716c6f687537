import HeraldCore

/// One request's share of a batched counts-cache job.
enum CountsCacheWork: Sendable {
    /// Read the user's counts, or start a fresh epoch for a fill.
    case read(CountsCacheKeys)
    /// Read the user's counts if a proven lineage holds them; change nothing otherwise.
    case peek(CountsCacheKeys)
    /// Apply committed deltas under the seq validator.
    case apply([(delta: CountsDelta, keys: CountsCacheKeys)])
}

extension CountsCacheWork {
    /// The keys of a read or a peek; nil for an apply.
    var readKeys: CountsCacheKeys? {
        switch self {
        case .read(let keys), .peek(let keys): keys
        case .apply: nil
        }
    }
}
