import GRDB
import Synchronization

/// Group commit: writes submitted while a transaction is running wait and then run together in the
/// next transaction, each inside its own savepoint (a write that throws rolls back alone). Every
/// caller resumes only after the shared COMMIT, so each response still follows its own durable commit.
final class GroupCommitter: Sendable {
    private struct State {
        var queue: [any PendingWrite] = []
        var draining = false
    }

    private let pool: DatabasePool
    private let maximumBatch: Int
    private let state = Mutex(State())

    init(pool: DatabasePool, maximumBatch: Int = 512) {
        self.pool = pool
        self.maximumBatch = maximumBatch
    }

    /// Runs `work` in a transaction shared with concurrent writes; returns after that transaction committed.
    func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let job = Job(work: work, continuation: continuation)
            let startDrainer = state.withLock { state in
                state.queue.append(job)
                defer { state.draining = true }
                return !state.draining
            }
            if startDrainer { Task { await self.drain() } }
        }
    }

    private func drain() async {
        while true {
            let batch: [any PendingWrite] = state.withLock { state in
                guard !state.queue.isEmpty else {
                    state.draining = false
                    return []
                }
                let batch = Array(state.queue.prefix(maximumBatch))
                state.queue.removeFirst(batch.count)
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                try await pool.write { db in
                    for job in batch { job.run(db) }
                }
                for job in batch { job.finish(commitError: nil) }
            } catch {
                for job in batch { job.finish(commitError: error) }
            }
        }
    }
}

/// A queued write, type-erased so one batch can hold writes of different result types.
private protocol PendingWrite: Sendable {
    func run(_ db: Database)
    func finish(commitError: (any Error)?)
}

/// `result` is written by `run` on GRDB's writer queue and read by `finish` on the drainer after the
/// `pool.write` that ran it returned, so the accesses are ordered; hence `@unchecked Sendable`.
private final class Job<T: Sendable>: PendingWrite, @unchecked Sendable {
    private let work: @Sendable (Database) throws -> T
    private let continuation: CheckedContinuation<T, any Error>
    private var result: Result<T, any Error>?

    init(work: @escaping @Sendable (Database) throws -> T, continuation: CheckedContinuation<T, any Error>) {
        self.work = work
        self.continuation = continuation
    }

    func run(_ db: Database) {
        var value: T?
        do {
            try db.inSavepoint {
                value = try work(db)
                return .commit
            }
            result = value.map { .success($0) }
        } catch {
            result = .failure(error)
        }
    }

    func finish(commitError: (any Error)?) {
        if let commitError {
            continuation.resume(throwing: commitError)
        } else if let result {
            continuation.resume(with: result)
        } else {
            continuation.resume(throwing: DatabaseError(message: "write did not run"))
        }
    }
}
