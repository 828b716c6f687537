import Metrics

/// What the service reports through swift-metrics (exported by `/metrics`; names listed in the README).
enum ServiceMetrics {
    static let eventsCommitted = Counter(label: "herald_events_committed_total")
    static let expirySweeps = Counter(label: "herald_expiry_sweeps_total")
    static let notificationsExpired = Counter(label: "herald_notifications_expired_total")
    static let notificationsPurged = Counter(label: "herald_notifications_purged_total")
    static let eventsPruned = Counter(label: "herald_events_pruned_total")
    static let storeErrors = Counter(label: "herald_store_errors_total")

    /// A store call, timed by operation in `herald_store_duration_seconds`.
    enum StoreOperation: String, CaseIterable, Sendable {
        case create, change, delete, deleteAll = "delete_all", readAll = "read_all", seen, expire, purge, prune
        case counts, notification, list
        case events

        var timer: Timer { Self.timers[self]! }

        private static let timers: [StoreOperation: Timer] = Dictionary(
            uniqueKeysWithValues: allCases.map {
                ($0, Timer(label: "herald_store_duration_seconds", dimensions: [("operation", $0.rawValue)]))
            })
    }

    /// Runs `body`, recording its duration under `operation`.
    static func timed<T>(_ operation: StoreOperation, _ body: () async throws -> T) async rethrows -> T {
        let start = ContinuousClock.now
        defer { operation.timer.recordNanoseconds(start.nanosecondsElapsed) }
        return try await body()
    }
}
