import Metrics

/// Counters the caches report through swift-metrics.
enum CacheMetrics {
    static let hits = Counter(label: "herald_cache_hits_total")
    static let misses = Counter(label: "herald_cache_misses_total")
    static let fills = Counter(label: "herald_cache_fills_total")
    static let conflicts = Counter(label: "herald_cache_conflicts_total")
    static let errors = Counter(label: "herald_cache_errors_total")
    static let notificationHits = Counter(label: "herald_cache_notification_hits_total")
    static let notificationMisses = Counter(label: "herald_cache_notification_misses_total")
}
