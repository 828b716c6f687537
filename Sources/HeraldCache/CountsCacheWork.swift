import HeraldCore

/// One request's share of a batched counts-cache job.
enum CountsCacheWork: Sendable {
    /// Read the user's counts, or start a fresh epoch for a fill.
    case read(CountsCacheKeys)
    /// Apply committed deltas under the seq validator.
    case apply([(delta: CountsDelta, keys: CountsCacheKeys)])
}
