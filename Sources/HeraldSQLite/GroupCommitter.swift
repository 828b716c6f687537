import GRDB
import HeraldCore
import NIOPosix

/// Group commit: writes submitted while a transaction is running wait and then run together in the
/// next transaction, each inside its own savepoint (a write that throws rolls back alone). Every
/// caller resumes only after the shared COMMIT, so each response still follows its own durable commit.
final class GroupCommitter: Sendable {
    /// One queued write: runs its work in a savepoint and keeps the outcome for its caller.
    typealias Step = @Sendable (Database) -> Void

    private let coalescer: Coalescer<Step, CommitFailure?>

    /// - Parameter committed: called after each committed transaction.
    init(
        pool: DatabasePool, maximumBatch: Int = 512, threads: NIOThreadPool = .singleton,
        committed: @escaping @Sendable () -> Void = {}
    ) {
        let metrics = StoreMetrics()
        coalescer = Coalescer(maximumBatch: maximumBatch) { steps in
            do {
                // GRDB's blocking write on a pool thread runs the transaction right there; its async
                // write would wake a different dispatch worker thread for nearly every batch.
                try await threads.runIfActive {
                    try pool.write { db in
                        for step in steps { step(db) }
                    }
                }
                metrics.transactions.increment()
                metrics.transactionWrites.increment(by: steps.count)
                committed()
                return Array(repeating: nil, count: steps.count)
            } catch {
                return Array(repeating: CommitFailure(error: error), count: steps.count)
            }
        }
    }

    /// Runs `work` in a transaction shared with concurrent writes; returns after that transaction committed.
    func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let outcome = WriteOutcome<T>()
        if let failure = await coalescer.submit({ db in outcome.run(work, in: db) }) { throw failure.error }
        return try outcome.get()
    }
}

/// Why a shared transaction failed to commit.
struct CommitFailure: Sendable {
    let error: any Error
}

/// The result of one write. `run` writes it on the pool thread inside the `pool.write` whose
/// completion the caller awaits before it calls `get`, so the accesses are ordered; hence
/// `@unchecked Sendable`.
private final class WriteOutcome<T: Sendable>: @unchecked Sendable {
    private var result: Result<T, any Error>?

    func run(_ work: (Database) throws -> T, in db: Database) {
        do {
            var value: T?
            try db.inSavepoint {
                value = try work(db)
                return .commit
            }
            result = value.map { .success($0) }
        } catch {
            result = .failure(error)
        }
    }

    func get() throws -> T {
        guard let result else { throw DatabaseError(message: "write did not run") }
        return try result.get()
    }
}
