/// Whether the cache is in use.
public enum CacheStatus: String, Sendable, Hashable {
    case up, down
}
