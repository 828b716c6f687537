/// Thrown by a write that failed outside a savepoint, or whose failure ended the whole transaction:
/// the group's attempt must roll back.
struct StepFailure: Error {
    /// SQLite rolled the whole transaction back, not only the failing statement (it may, for a
    /// full disk, an I/O error or no memory): nothing after the write may run in this attempt.
    var endedTransaction = false
    /// The write's place in its group's attempt, set by the committer.
    var step: Int?
}
