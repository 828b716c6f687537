/// The `# HELP` text of each metric Herald's modules count through swift-metrics (the README's
/// metrics table says more). `HeraldMetrics` describes the ones it registers itself.
enum MetricHelp {
    static let texts: [String: String] = [
        "herald_http_requests_total": "Requests answered, by route template, method and status",
        "herald_http_request_duration_seconds":
            "Time until the response head was ready (for a stream: until it opened)",
        "herald_http_fast_answers_total": "Requests answered on the event loop (also in herald_http_requests_total)",
        "herald_http_connections_closed_total":
            "Connections closed by the idle timeout: idle between requests, or slow halfway through one",
        "herald_events_committed_total": "Events committed (one per state change)",
        "herald_cache_hits_total": "Counts reads served by memcached",
        "herald_cache_misses_total": "Counts reads missing in memcached",
        "herald_cache_fills_total": "Counts loaded from SQLite into memcached",
        "herald_cache_conflicts_total": "Cached counts dropped (refilled later) because a delta was not proven",
        "herald_cache_applies_skipped_total":
            "Counter deltas of users whose counts nobody read under the current generation",
        "herald_cache_notification_hits_total": "Single-notification reads served by memcached",
        "herald_cache_notification_misses_total": "Single-notification reads missing in memcached",
        "herald_cache_lease_conflicts_total": "Notification-cache misses that found another reader's fill lease",
        "herald_cache_errors_total": "Times memcached was marked down",
        "herald_cache_audits_total": "Cached counts and notifications compared with SQLite's, by cache and result",
        "herald_memcached_duration_seconds": "One memcached job, by operation",
        "herald_memcached_errors_total": "Failed memcached round trips",
        "herald_store_duration_seconds": "One SQLite call, by operation",
        "herald_store_errors_total": "Failed SQLite calls",
        "herald_store_transactions_total": "Committed write transactions",
        "herald_store_transaction_writes_total":
            "Writes committed in write transactions (per transaction: the group-commit size)",
        "herald_store_transaction_retries_total":
            "Group transactions run again, each write in a savepoint, because one of their writes failed",
        "herald_expiry_sweeps_total": "Expiry sweeps run",
        "herald_notifications_expired_total": "Notifications removed by expiry",
        "herald_notifications_purged_total": "Swept (expired) notification rows deleted after --expired-retention",
        "herald_events_pruned_total": "Events deleted after --event-retention",
    ]
}
