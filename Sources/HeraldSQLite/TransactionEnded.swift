/// A write's transaction ended under it (SQLite rolled it back for an error the write itself
/// handled), so nothing it did was kept.
struct TransactionEnded: Error, CustomStringConvertible {
    var description: String { "the transaction was rolled back" }
}
