import GRDB
import HeraldCore
import NIOConcurrencyHelpers
import NIOPosix

/// Group commit: writes submitted while a transaction is running wait and then run together in the
/// next transaction. Every caller resumes only after the shared COMMIT, so each response still
/// follows its own durable commit, and a write that throws rolls back alone.
///
/// The transaction first runs the writes one after another with no savepoints: a savepoint per
/// write made SQLite copy every page each write touched first (~9% of a create's CPU, measured with
/// the store alone). Should one of them throw, that attempt rolls back entirely and the whole group
/// runs again with each write in a savepoint of its own, so only the failing one is undone (a write
/// alone in its transaction needs no second run). Writes are functions of the database alone
/// (everything else is worked out before they are submitted), so running one twice is the same as
/// running it once.
final class GroupCommitter: Sendable {
    /// One queued write: runs its work (in a savepoint when `isolated`) and keeps the outcome for
    /// its caller; without isolation it throws its work's error, ending the attempt.
    typealias Step = @Sendable (_ db: Database, _ isolated: Bool) throws -> Void

    private let coalescer: Coalescer<Step, CommitFailure?>
    private let retries = NIOLockedValueBox(0)

    /// - Parameter committed: called after each committed transaction.
    init(
        pool: DatabasePool, maximumBatch: Int = 512, threads: NIOThreadPool = .singleton,
        committed: @escaping @Sendable () -> Void = {}
    ) {
        let metrics = StoreMetrics()
        let retries = self.retries
        coalescer = Coalescer(maximumBatch: maximumBatch) { steps in
            do {
                // GRDB's blocking write on a pool thread runs the transaction right there; its async
                // write would wake a different dispatch worker thread for nearly every batch.
                let didCommit = try await threads.runIfActive {
                    do {
                        try pool.write { db in
                            for step in steps { try step(db, false) }
                        }
                    } catch is StepFailure where steps.count > 1 {
                        // Rolled back; again, each write in a savepoint of its own.
                        retries.withLockedValue { $0 += 1 }
                        metrics.retries.increment()
                        try pool.write { db in
                            for step in steps { try step(db, true) }
                        }
                    } catch is StepFailure {
                        return false  // a lone write failed: rolled back, its caller has the error
                    }
                    return true
                }
                if didCommit {
                    metrics.transactions.increment()
                    metrics.transactionWrites.increment(by: steps.count)
                    committed()
                }
                return Array(repeating: nil, count: steps.count)
            } catch {
                return Array(repeating: CommitFailure(error: error), count: steps.count)
            }
        }
    }

    /// Group transactions run a second time because one of their writes threw (for tests and tools).
    var retriedTransactions: Int { retries.withLockedValue { $0 } }

    /// Runs `work` in a transaction shared with concurrent writes; returns after that transaction committed.
    func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let outcome = WriteOutcome<T>()
        if let failure = await coalescer.submit({ db, isolated in try outcome.run(work, in: db, isolated: isolated) }) {
            throw failure.error
        }
        return try outcome.get()
    }
}

/// Why a shared transaction failed to commit.
struct CommitFailure: Sendable {
    let error: any Error
}

/// Thrown by a write that failed outside a savepoint: the group's attempt must roll back.
private struct StepFailure: Error {}

/// The result of one write. `run` writes it on the pool thread inside the `pool.write` whose
/// completion the caller awaits before it calls `get`, so the accesses are ordered; hence
/// `@unchecked Sendable`.
private final class WriteOutcome<T: Sendable>: @unchecked Sendable {
    private var result: Result<T, any Error>?

    /// Runs `work` and keeps its result. `isolated`: in a savepoint, so a failure is kept and rolls
    /// back this write alone; otherwise a failure is kept and ends the transaction (``StepFailure``).
    func run(_ work: (Database) throws -> T, in db: Database, isolated: Bool) throws {
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
            if !isolated { throw StepFailure() }
        }
    }

    func get() throws -> T {
        guard let result else { throw DatabaseError(message: "write did not run") }
        return try result.get()
    }
}
