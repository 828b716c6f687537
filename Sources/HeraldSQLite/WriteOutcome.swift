import GRDB

/// The result of one write. `run` writes it on the pool thread inside the `pool.write` whose
/// completion the caller awaits before it calls `get`, so the accesses are ordered; hence
/// `@unchecked Sendable`.
final class WriteOutcome<T: Sendable>: @unchecked Sendable {
    private var result: Result<T, any Error>?

    /// Runs `work` and keeps its result; returns whether it succeeded. `isolated`: in a savepoint,
    /// so a failure is kept and rolls back this write alone; otherwise a failure is kept and ends
    /// the transaction (``StepFailure``).
    ///
    /// For some errors (a full disk, an I/O error, no memory) SQLite rolls back the whole
    /// transaction rather than the statement, savepoints and all. Then this write failed whatever
    /// `work` made of the error, and it throws, so that no later write of the group runs outside a
    /// transaction (GRDB's savepoint would open one of its own and commit that write alone).
    func run(_ work: (Database) throws -> T, in db: Database, isolated: Bool) throws -> Bool {
        do {
            if isolated {
                var value: T?
                try db.inSavepoint {
                    value = try work(db)
                    return .commit
                }
                result = value.map { .success($0) }
            } else {
                result = .success(try work(db))
            }
        } catch {
            result = .failure(error)
        }
        guard db.isInsideTransaction else {
            if case .success = result { result = .failure(TransactionEnded()) }
            throw StepFailure(endedTransaction: true)
        }
        guard case .success = result else {
            if !isolated { throw StepFailure() }
            return false
        }
        return true
    }

    func get() throws -> T {
        guard let result else { throw DatabaseError(message: "write did not run") }
        return try result.get()
    }
}
