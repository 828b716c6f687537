import Metrics

/// What the SQLite store reports through swift-metrics (exported by `/metrics`; listed in the README).
/// Made per store, so the handles come from the metrics backend in place when the store opens.
struct StoreMetrics: Sendable {
    /// Committed write transactions.
    let transactions = Counter(label: "herald_store_transactions_total")
    /// Writes (store calls such as one create request or one state change) committed in them; divided
    /// by ``transactions`` it is the mean group-commit size.
    let transactionWrites = Counter(label: "herald_store_transaction_writes_total")
    /// Group transactions run a second time, each write in a savepoint, because one write threw.
    let retries = Counter(label: "herald_store_transaction_retries_total")
}
