import GRDB
import HeraldCore
import NIOCore
import NIOPosix
import Synchronization

/// Group commit: writes submitted while a transaction is running wait and then run together in the
/// next transaction. Every caller hears back only after the shared COMMIT, so each response still
/// follows its own durable commit, and a write that throws rolls back alone.
///
/// The queue is drained on a thread of `threads`: an idle committer sends a drain there (from an
/// event loop, once the loop is done with what it read; see `startDrain`), which takes up to
/// `maximumBatch` writes at a time, runs them as one transaction, answers them and keeps going
/// until the queue is empty. Callers either await (tasks) or pass a completion that the drain
/// calls (event loops, which must not block and gain nothing from a hop through a task).
///
/// The transaction first runs the writes one after another with no savepoints: a savepoint per
/// write made SQLite copy every page each write touched first (~9% of a create's CPU, measured with
/// the store alone). Should one of them throw, that attempt rolls back entirely and the whole group
/// runs again with each write in a savepoint of its own, so only the failing one is undone (a write
/// alone in its transaction needs no second run). For some errors (a full disk, an I/O error, no
/// memory) SQLite rolls back the whole transaction rather than the failing statement; then that
/// write keeps its error and the group runs once more without it, so no write ever runs outside
/// the transaction or is kept while its caller hears it failed. Writes are functions of the
/// database alone (everything else is worked out before they are submitted), so running one twice
/// is the same as running it once.
///
/// Writes that arrive together are gathered a little longer: after a transaction shared by several
/// writes, while fewer than ``gatherTarget`` wait, the drain pauses (``GatherPause``) before the
/// next one: while only a few wait, until 1 ms after the transaction started.
///
/// Each transaction runs holding a ``WriterGate``, which the WAL checkpointer takes for a moment
/// between two transactions to bring the WAL to its end (see ``WALCheckpointer``).
final class GroupCommitter: Sendable {
    /// No pause once this many writes wait.
    static let gatherTarget = 32

    /// One queued write: runs its work (in a savepoint when `isolated`) and keeps the outcome for
    /// its caller; without isolation it throws its work's error, ending the attempt. Returns
    /// whether the write stands (false: it failed in its savepoint, which rolled it back).
    typealias Step = @Sendable (_ db: Database, _ isolated: Bool) throws -> Bool

    private struct Pending {
        let step: Step
        /// Called on the drain's thread once the transaction ended: nil when it committed.
        let done: @Sendable (CommitFailure?) -> Void
        /// The event loop that submitted the write, if one did: the write's memory is released there.
        let loop: (any EventLoop)?
    }

    private let queue: BatchQueue<Pending>
    private let pool: DatabasePool
    private let threads: NIOThreadPool
    private let committed: @Sendable () -> Void
    private let beforeTransaction: @Sendable (Database) -> Void
    private let gate: WriterGate
    private let unsynced: UnsyncedChanges?
    private let metrics = StoreMetrics()
    private let retries = Atomic<Int>(0)
    private let commits = Atomic<Int>(0)

    /// - Parameters:
    ///   - unsynced: under `--sync normal`, has the commit that reaches its budget synced before
    ///     any connection reads it.
    ///   - beforeTransaction: called on the writer's connection before each transaction begins.
    ///   - committed: called after each committed transaction.
    init(
        pool: DatabasePool, maximumBatch: Int = 512, threads: NIOThreadPool = .singleton,
        gate: WriterGate = WriterGate(), unsynced: UnsyncedChanges? = nil,
        beforeTransaction: @escaping @Sendable (Database) -> Void = { _ in },
        committed: @escaping @Sendable () -> Void = {}
    ) {
        queue = BatchQueue(maximumBatch: maximumBatch)
        self.gate = gate
        self.unsynced = unsynced
        self.pool = pool
        self.threads = threads
        self.committed = committed
        self.beforeTransaction = beforeTransaction
    }

    /// Group transactions run a second time because one of their writes threw (for tests and tools).
    var retriedTransactions: Int { retries.load(ordering: .relaxed) }

    /// Write transactions committed (for tests and tools).
    var committedTransactions: Int { commits.load(ordering: .relaxed) }

    /// Writes queued for a transaction that has not started yet (for tests and tools).
    var queuedWrites: Int { queue.count }

    /// Runs `work` in a transaction shared with concurrent writes; returns after that transaction committed.
    func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            write(work) { result in continuation.resume(with: result) }
        }
    }

    /// Runs `work` in a transaction shared with concurrent writes; `completion` runs on a thread of
    /// the pool once that transaction committed (or failed) and must only hand the result on.
    func write<T: Sendable>(
        _ work: @escaping @Sendable (Database) throws -> T,
        completion: @escaping @Sendable (Result<T, any Error>) -> Void
    ) {
        let outcome = WriteOutcome<T>()
        let loop = MultiThreadedEventLoopGroup.currentEventLoop
        let pending = Pending(
            step: { db, isolated in try outcome.run(work, in: db, isolated: isolated) },
            done: { failure in
                if let failure { return completion(.failure(failure.error)) }
                completion(Result { try outcome.get() })
            }, loop: loop)
        guard queue.enqueue(pending) else { return }
        // On an event loop (the HTTP fast path), the drain starts once the loop has handled
        // everything its wake-up brought, so the creates it reads together share a transaction
        // (see `startDrain`). A loop runs the tasks it was given before it exits.
        if let loop {
            loop.execute { self.startDrain() }
        } else {
            startDrain()
        }
    }

    /// Wakes the writer thread for a drain.
    ///
    /// Started at once, a drain took the first request an event loop read and left the rest of
    /// the loop's wake-up (up to 32 requests in the bench's closed loop) for the next
    /// transaction; and the woken writer, usually queued on the loop's own vCPU on the bench's
    /// machine, either preempted the loop or waited for it. Started after the loop's reads, it
    /// takes them all: single creates over HTTP, 32 in flight, ~13 → ~19 writes per transaction
    /// and ~7% fewer bytes written per create (each transaction writes the pages its writes
    /// share once); creates a second level to +4% in A/B runs.
    private func startDrain() {
        // A pool that is shut down calls this right here with `.cancelled`.
        threads.submit { workState in
            switch workState {
            case .active: self.drain()
            case .cancelled: self.failQueued(CommitFailure(error: NIOThreadPoolError.ThreadPoolInactive()))
            }
        }
    }

    /// Runs on a pool thread until the queue is empty.
    private func drain() {
        queue.drain { batch in
            let started = ContinuousClock.now
            let failure = gate.withLock { transaction(batch.map(\.step)) }
            // The completions' counts-cache applies run as one job right after (AfterCompletions).
            AfterCompletions.collect { for pending in batch { pending.done(failure) } }
            let shared = batch.count > 1
            if shared { Self.releaseElsewhere(consume batch) }
            let waiting = queue.count
            if shared, waiting < Self.gatherTarget {
                usleep(GatherPause.microseconds(afterTransactionOf: .now - started, waiting: waiting))
            }
        }
    }

    /// Drops the writes of a finished transaction elsewhere than on this thread: each write
    /// submitted on an event loop on that loop, the others on a thread of Swift's pool.
    ///
    /// Most of what they hold was allocated on other threads (the requests' drafts, prepared rows,
    /// notifications), and glibc's `free` of another thread's memory past this thread's small
    /// cache takes that thread's arena lock. Under batches the writer blocked on those locks
    /// ~270 times a second (`perf sched`, `__lll_lock_wait_private` under `_swift_release_dealloc`),
    /// ~6% of its time; the one thread every write waits for should not. Only shared transactions:
    /// a lone write frees little.
    ///
    /// A task on Swift's pool woke one of its threads per transaction. On the bench's VM the
    /// kernel queued that thread on the writer's own vCPU, where it preempted the writer (single
    /// creates over HTTP: ~1,000 such wake-ups a second, `perf sched`). The loop that submitted a
    /// write is woken for its answer anyway, and runs this task after the answers it was handed
    /// first: no wake-up, and the memory is freed by the thread that allocated it. Single creates
    /// +2–6% in A/B runs in both orders.
    ///
    /// Each thread is handed the writes in a ``FinishedWrites`` it empties, so their memory is
    /// freed there however the threads interleave.
    private static func releaseElsewhere(_ batch: consuming [Pending]) {
        var byLoop: [(loop: any EventLoop, writes: FinishedWrites)] = []
        let unlooped = FinishedWrites()
        for pending in consume batch {
            let writes: FinishedWrites
            if let loop = pending.loop {
                if let found = byLoop.first(where: { $0.loop === loop }) {
                    writes = found.writes
                } else {
                    writes = FinishedWrites()
                    byLoop.append((loop, writes))
                }
            } else {
                writes = unlooped
            }
            writes.add(pending)
        }
        for (loop, writes) in byLoop { loop.execute { writes.free() } }
        if !unlooped.isEmpty { Task.detached { unlooped.free() } }
    }

    /// The writes of a finished transaction on their way to the thread that frees them.
    private final class FinishedWrites: Sendable {
        private let writes = Mutex<[Pending]>([])

        var isEmpty: Bool { writes.withLock { $0.isEmpty } }

        func add(_ pending: Pending) { writes.withLock { $0.append(pending) } }

        /// Frees the writes on the calling thread, unless something else still holds them.
        func free() { writes.withLock { $0 = [] } }
    }

    /// Runs `steps` in one transaction (again with savepoints if one throws); nil when it committed.
    private func transaction(_ steps: [Step]) -> CommitFailure? {
        do {
            // GRDB's blocking write on the pool thread runs the transaction right there.
            let written: Int
            do {
                written = try run(steps, isolated: false)
            } catch is StepFailure where steps.count > 1 {
                // Rolled back; again, each write in a savepoint of its own.
                retries.add(1, ordering: .relaxed)
                metrics.retries.increment()
                written = try runIsolated(steps)
            } catch is StepFailure {
                return nil  // a lone write failed: rolled back, its caller has the error
            }
            // Every write failed (each caller has its error): the transaction committed nothing.
            guard written > 0 else { return nil }
            commits.add(1, ordering: .relaxed)
            metrics.transactions.increment()
            metrics.transactionWrites.increment(by: written)
            committed()
            return nil
        } catch {
            return CommitFailure(error: error)
        }
    }

    /// Runs `steps` again, each in a savepoint of its own so that a failing write rolls back alone,
    /// and returns how many of them the committed transaction holds (none when each failed). A
    /// write whose failure ended the whole transaction (SQLite may roll everything back for a full
    /// disk, an I/O error or no memory) keeps its error, and the others run once more without it,
    /// since the ones before it were rolled back too; each round drops one write, so it ends.
    private func runIsolated(_ steps: [Step]) throws -> Int {
        var remaining = steps
        while !remaining.isEmpty {
            do {
                return try run(remaining, isolated: true)
            } catch let failure as StepFailure {
                guard failure.endedTransaction, let step = failure.step else { throw failure }
                remaining.remove(at: step)
            }
        }
        return 0
    }

    /// Runs `steps` in one `BEGIN IMMEDIATE` … `COMMIT`, rolled back if one of them or the commit
    /// throws (a ``StepFailure`` names the write that threw it), the commit synced when
    /// ``UnsyncedChanges`` says it is due; returns how many of the writes stand in it. The two
    /// statements are prepared once per connection: GRDB's `write` parses both for every
    /// transaction, a fixed cost that small transactions feel.
    private func run(_ steps: [Step], isolated: Bool) throws -> Int {
        try pool.writeWithoutTransaction { db in
            beforeTransaction(db)
            try db.run(sql: "BEGIN IMMEDIATE")
            do {
                var standing = 0
                for (index, step) in steps.enumerated() {
                    do {
                        if try step(db, isolated) { standing += 1 }
                    } catch var failure as StepFailure {
                        failure.step = index
                        throw failure
                    }
                }
                let sync = unsynced?.beforeCommit(db) ?? .notDue
                try db.run(sql: "COMMIT")
                unsynced?.afterCommit(db, sync)
                return standing
            } catch {
                if db.isInsideTransaction { try? db.rollback() }
                throw error
            }
        }
    }

    private func failQueued(_ failure: CommitFailure) {
        queue.drain { batch in
            for pending in batch { pending.done(failure) }
        }
    }
}
