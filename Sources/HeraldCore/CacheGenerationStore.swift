/// Persists the cache generation (see the README's consistency section).
public protocol CacheGenerationStore: Sendable {
    /// Increments the persisted generation and returns the new value.
    func bumpCacheGeneration() async throws -> Int64
}
