import HeraldCore
import Memcached
import Metrics

/// What the caches report through swift-metrics (exported by `/metrics`; names listed in the README).
enum CacheMetrics {
    static let hits = Counter(label: "herald_cache_hits_total")
    static let misses = Counter(label: "herald_cache_misses_total")
    static let fills = Counter(label: "herald_cache_fills_total")
    static let conflicts = Counter(label: "herald_cache_conflicts_total")
    static let appliesSkipped = Counter(label: "herald_cache_applies_skipped_total")
    static let errors = Counter(label: "herald_cache_errors_total")
    static let notificationHits = Counter(label: "herald_cache_notification_hits_total")
    static let notificationMisses = Counter(label: "herald_cache_notification_misses_total")
    static let leaseConflicts = Counter(label: "herald_cache_lease_conflicts_total")
    static let memcachedErrors = Counter(label: "herald_memcached_errors_total")

    /// What the caches' audits compared with the store, by cache and outcome.
    static func audits(_ cache: AuditedCache, _ outcome: CacheAuditOutcome) -> Counter {
        auditCounters[cache]![outcome]!
    }

    /// The caches an audit compares with the store (the `cache` label's values).
    enum AuditedCache: String, CaseIterable {
        case counts, notifications
    }

    private static let auditCounters: [AuditedCache: [CacheAuditOutcome: Counter]] = Dictionary(
        uniqueKeysWithValues: AuditedCache.allCases.map { cache in
            let counters = CacheAuditOutcome.allCases.map { outcome in
                let labels = [("cache", cache.rawValue), ("result", outcome.rawValue)]
                return (outcome, Counter(label: "herald_cache_audits_total", dimensions: labels))
            }
            return (cache, Dictionary(uniqueKeysWithValues: counters))
        })

    /// One worker-pool job of the caches, timed by operation.
    enum Operation: String, CaseIterable {
        case countsBatch = "counts_batch"
        case countsFill = "counts_fill"
        case countsForget = "counts_forget"
        case notificationRead = "notification_read"
        case notificationFill = "notification_fill"
        case notificationInvalidate = "notification_invalidate"

        var timer: Timer { Self.timers[self]! }

        private static let timers: [Operation: Timer] = Dictionary(
            uniqueKeysWithValues: allCases.map {
                ($0, Timer(label: "herald_memcached_duration_seconds", dimensions: [("operation", $0.rawValue)]))
            })
    }

    /// Runs one memcached call, recording its latency, or counting its failure.
    static func memcached<T>(
        _ operation: Operation, _ body: () async throws(MemcachedError) -> T
    ) async throws(MemcachedError) -> T {
        let start = ContinuousClock.now
        do {
            let value = try await body()
            operation.timer.recordNanoseconds(start.nanosecondsElapsed)
            return value
        } catch {
            memcachedErrors.increment()
            throw error
        }
    }

    /// ``memcached(_:_:)`` for a call already on a worker thread.
    static func memcached<T>(
        _ operation: Operation, _ body: () throws(MemcachedError) -> T
    ) throws(MemcachedError) -> T {
        let start = ContinuousClock.now
        do {
            let value = try body()
            operation.timer.recordNanoseconds(start.nanosecondsElapsed)
            return value
        } catch {
            memcachedErrors.increment()
            throw error
        }
    }
}
