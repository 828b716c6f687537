import Foundation
import GRDB
import HeraldTestSupport
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import HeraldSQLite

@Suite(.timeLimit(.minutes(1)))
struct GroupCommitterTests {
    struct Refused: Error {}

    /// A committer over a fresh `item` table; `committed` is called after each transaction.
    func itemTable(
        committed: @escaping @Sendable () -> Void = {}
    ) async throws -> (DatabasePool, GroupCommitter) {
        let directory = try makeTemporaryDirectory("group")
        let pool = try DatabasePool(path: directory.appendingPathComponent("g.sqlite").path)
        try await pool.write { db in try db.execute(sql: "CREATE TABLE item (id INTEGER PRIMARY KEY)") }
        return (pool, GroupCommitter(pool: pool, committed: committed))
    }

    /// Inserts each id in a write of its own, all at once; a write whose id is `failing` throws
    /// after its insert (so it must roll back alone). Returns whether each write succeeded.
    func insertConcurrently(
        _ ids: some Sequence<Int>, with committer: GroupCommitter, failing: @escaping @Sendable (Int) -> Bool
    ) async -> [Int: Bool] {
        await withTaskGroup(of: (Int, Bool).self) { group in
            for id in ids {
                group.addTask {
                    do {
                        try await committer.write { db in
                            try db.execute(sql: "INSERT INTO item (id) VALUES (?)", arguments: [id])
                            if failing(id) { throw Refused() }
                        }
                        return (id, true)
                    } catch {
                        return (id, false)
                    }
                }
            }
            var outcomes: [Int: Bool] = [:]
            for await (id, ok) in group { outcomes[id] = ok }
            return outcomes
        }
    }

    /// Starts a write that holds the one writer until `queued` writes wait behind it, so they share
    /// the next transaction, and then runs `work`. Returns once the writer holds it.
    ///
    /// Orders the writes by what the committer has queued, not by sleeps a busy machine can
    /// overrun (short sleeps once let the writes after it reach the writer apart).
    func holdWriter(
        _ committer: GroupCommitter, until queued: Int, then work: @escaping @Sendable (Database) throws -> Void
    ) async throws -> Task<Void, any Error> {
        let holding = ManagedAtomicFlag()
        let holder = Task {
            try await committer.write { db in
                holding.set()
                let started = ContinuousClock.now
                while committer.queuedWrites < queued, ContinuousClock.now - started < .seconds(30) {
                    Thread.sleep(forTimeInterval: 0.005)
                }
                try work(db)
            }
        }
        try await waitUntil { holding.isSet }
        return holder
    }

    /// Polls `condition` until it holds; fails the test after 30 s.
    func waitUntil(_ condition: () -> Bool) async throws {
        let started = ContinuousClock.now
        while !condition() {
            try #require(ContinuousClock.now - started < .seconds(30), "waited 30 s")
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    func storedItems(_ pool: DatabasePool) async throws -> Set<Int> {
        Set(try await pool.read { db in try Int.fetchAll(db, sql: "SELECT id FROM item") })
    }

    @Test func concurrentWritesCommitTogetherAndAFailureRollsBackAlone() async throws {
        let (pool, committer) = try await itemTable()
        let outcomes = await insertConcurrently(0..<200, with: committer) { $0 % 7 == 0 }
        let stored = try await storedItems(pool)
        for index in 0..<200 {
            #expect(outcomes[index] == (index % 7 != 0), "\(index)")
            #expect(stored.contains(index) == (index % 7 != 0), "\(index)")
        }
    }

    @Test func resultsReachTheirOwnCallers() async throws {
        let directory = try makeTemporaryDirectory("group")
        let pool = try DatabasePool(path: directory.appendingPathComponent("g.sqlite").path)
        let committer = GroupCommitter(pool: pool)
        let results = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for index in 0..<100 {
                group.addTask {
                    (
                        index,
                        try await committer.write { db in
                            try Int.fetchOne(db, sql: "SELECT ?", arguments: [index]) ?? -1
                        }
                    )
                }
            }
            var results: [(Int, Int)] = []
            for try await result in group { results.append(result) }
            return results
        }
        #expect(results.count == 100)
        #expect(results.allSatisfy { $0.0 == $0.1 })
    }

    @Test func aFailureInAGroupRunsTheGroupAgainWithEachWriteIsolated() async throws {
        let (pool, committer) = try await itemTable()
        // The first write holds the one writer while the others queue up, so they share the next
        // transaction; one of them throws after its insert.
        let holder = try await holdWriter(committer, until: 10) { db in
            try db.execute(sql: "INSERT INTO item (id) VALUES (0)")
        }
        let outcomes = await insertConcurrently(1...10, with: committer) { $0 == 5 }
        try await holder.value
        #expect(committer.retriedTransactions == 1)
        #expect(try await storedItems(pool) == Set([0, 1, 2, 3, 4, 6, 7, 8, 9, 10]))
        #expect(outcomes.filter { !$0.value }.map(\.key) == [5])
    }

    /// A group whose every write fails, each rolled back in its savepoint, commits an empty
    /// transaction: neither the count of committed transactions (and the
    /// `herald_store_transactions_total` metric beside it) nor the `committed` callback (the
    /// checkpointer's) sees it. Both did: the retry counted every write it ran as committed.
    @Test func aGroupWhoseEveryWriteFailsCountsAsNoCommit() async throws {
        let callbacks = LockedBox<Int>(0)
        let (pool, committer) = try await itemTable(committed: { callbacks.withLock { $0 += 1 } })
        let holder = try await holdWriter(committer, until: 4) { db in
            try db.execute(sql: "INSERT INTO item (id) VALUES (0)")
        }
        let outcomes = await insertConcurrently(1...4, with: committer) { _ in true }
        try await holder.value
        #expect(outcomes == [1: false, 2: false, 3: false, 4: false])
        #expect(committer.retriedTransactions == 1)
        #expect(try await storedItems(pool) == [0])
        #expect(committer.committedTransactions == 1)
        #expect(callbacks.value == 1)
    }

    /// For some errors (a full disk, an I/O error, no memory) SQLite rolls back the whole
    /// transaction, not only the failing statement. The writes after such a write in its group must
    /// not then run outside any transaction (GRDB's savepoint would open one of its own and commit
    /// each alone) while the group reports them failed: the group runs again without that write,
    /// which alone fails.
    @Test func aWriteWhoseFailureEndsTheTransactionFailsAloneAndNothingRunsOutsideIt() async throws {
        let (pool, committer) = try await itemTable()
        try await pool.write { db in try db.execute(sql: "CREATE TABLE blob (data BLOB NOT NULL)") }
        let holder = try await holdWriter(committer, until: 11) { db in
            try db.execute(sql: "INSERT INTO item (id) VALUES (0)")
            // From here the file may not grow: a write that needs a new page fails with
            // SQLITE_FULL, and a one-row INSERT has no statement journal to undo it alone.
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            try db.execute(sql: "PRAGMA max_page_count = \(pages)")
        }
        // Queued first, so it runs first in the shared transaction; the small inserts after it fit
        // in the item table's page.
        let blob = Task {
            try await committer.write { db in
                try db.execute(sql: "INSERT INTO blob (data) VALUES (zeroblob(65536))")
            }
        }
        try await waitUntil { committer.queuedWrites == 1 }
        let outcomes = await insertConcurrently(1...10, with: committer) { _ in false }
        try await holder.value
        await #expect(throws: DatabaseError.self) { try await blob.value }
        #expect(outcomes.count == 10 && outcomes.values.allSatisfy { $0 }, "\(outcomes)")
        #expect(try await storedItems(pool) == Set(0...10))
        #expect(try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM blob") } == 0)
        #expect(committer.retriedTransactions == 1)
    }

    @Test func aLoneFailingWriteRollsBackWithoutASecondRun() async throws {
        let (pool, committer) = try await itemTable()
        await #expect(throws: Refused.self) {
            try await committer.write { db in
                try db.execute(sql: "INSERT INTO item (id) VALUES (1)")
                throw Refused()
            }
        }
        try await committer.write { db in try db.execute(sql: "INSERT INTO item (id) VALUES (2)") }
        #expect(try await storedItems(pool) == [2])
        #expect(committer.retriedTransactions == 0)
    }

    @Test func aFailedCommitRollsBackAndTheNextWriteCommits() async throws {
        let directory = try makeTemporaryDirectory("group")
        let pool = try DatabasePool(path: directory.appendingPathComponent("g.sqlite").path)
        try await pool.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE parent (id INTEGER PRIMARY KEY);
                    CREATE TABLE child (id INTEGER PRIMARY KEY,
                        parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
                    """)
        }
        let committer = GroupCommitter(pool: pool)
        // A deferred foreign key is checked at COMMIT: the write itself succeeds, the commit fails
        // and leaves the transaction open until it is rolled back.
        await #expect(throws: DatabaseError.self) {
            try await committer.write { db in
                try db.execute(sql: "INSERT INTO child (id, parent) VALUES (1, 42)")
            }
        }
        try await committer.write { db in
            try db.execute(sql: "INSERT INTO parent (id) VALUES (7)")
            try db.execute(sql: "INSERT INTO child (id, parent) VALUES (2, 7)")
        }
        let children = try await pool.read { db in try Int.fetchAll(db, sql: "SELECT id FROM child") }
        #expect(children == [2])
    }

    @Test func groupsWithoutFailuresRunOnce() async throws {
        let (pool, committer) = try await itemTable()
        let outcomes = await insertConcurrently(0..<300, with: committer) { _ in false }
        #expect(outcomes.count == 300 && outcomes.values.allSatisfy { $0 })
        #expect(try await storedItems(pool) == Set(0..<300))
        #expect(committer.retriedTransactions == 0)
    }

    /// Writes an event loop submits in one go wait for the loop to finish before their drain
    /// starts, so they share one transaction even when the loop took its time between them (with
    /// the drain started at the first write, that write committed alone: five transactions).
    @Test func writesSubmittedInOneEventLoopTaskShareATransaction() async throws {
        let transactions = Atomic<Int>(0)
        let (pool, committer) = try await itemTable { transactions.add(1, ordering: .relaxed) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let ids = 0..<10
        let committed = try await group.next().submit {
            ids.map { id in
                let promise = group.next().makePromise(of: Void.self)
                committer.write({ db in try db.execute(sql: "INSERT INTO item (id) VALUES (?)", arguments: [id]) }) {
                    promise.completeWith($0)
                }
                usleep(5_000)
                return promise.futureResult
            }
        }.get()
        for future in committed { try await future.get() }
        try await group.shutdownGracefully()
        #expect(try await storedItems(pool) == Set(ids))
        #expect(transactions.load(ordering: .relaxed) == 1)
    }

    /// Runs its closure when freed.
    final class FreeProbe: Sendable {
        let freed: @Sendable () -> Void
        init(_ freed: @escaping @Sendable () -> Void) { self.freed = freed }
        deinit { freed() }
    }

    /// The writes of a shared transaction are freed by the event loop that submitted each, and a
    /// write submitted elsewhere by a thread other than the writer's.
    @Test func aSharedTransactionsWritesAreFreedWhereTheyCameFrom() async throws {
        let (pool, committer) = try await itemTable()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let loops = [group.next(), group.next()]
        #expect(loops[0] !== loops[1])
        let writer = Mutex<pthread_t?>(nil)
        let freedOn = Mutex<[Int: String]>([:])
        @Sendable func thread() -> String {
            if loops[0].inEventLoop { return "loop 0" }
            if loops[1].inEventLoop { return "loop 1" }
            return writer.withLock { $0.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
                ? "writer" : "elsewhere"
        }
        // The write holds the only reference to its probe.
        @Sendable func insert(_ id: Int) -> @Sendable (Database) throws -> Void {
            let probe = FreeProbe { freedOn.withLock { $0[id] = thread() } }
            return { db in
                withExtendedLifetime(probe) {}
                try db.execute(sql: "INSERT INTO item (id) VALUES (?)", arguments: [id])
            }
        }
        // A first write holds the writer, so that the next three queue up for one transaction.
        let started = Atomic<Bool>(false)
        let proceed = DispatchSemaphore(value: 0)
        let first = loops[1].makePromise(of: Void.self)
        committer.write({ db in
            writer.withLock { $0 = pthread_self() }
            started.store(true, ordering: .releasing)
            proceed.wait()
            try db.execute(sql: "INSERT INTO item (id) VALUES (100)")
        }) { first.completeWith($0) }
        while !started.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(1)) }
        var answers: [EventLoopFuture<Void>] = []
        for (id, loop) in loops.enumerated() {
            answers.append(
                try await loop.submit {
                    let promise = loop.makePromise(of: Void.self)
                    committer.write(insert(id)) { promise.completeWith($0) }
                    return promise.futureResult
                }.get())
        }
        let third = loops[0].makePromise(of: Void.self)
        committer.write(insert(2)) { third.completeWith($0) }
        answers.append(third.futureResult)
        proceed.signal()
        try await first.futureResult.get()
        for answer in answers { try await answer.get() }
        for _ in 0..<500 where freedOn.withLock({ $0.count }) < 3 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(freedOn.withLock { $0 } == [0: "loop 0", 1: "loop 1", 2: "elsewhere"])
        #expect(try await storedItems(pool) == [0, 1, 2, 100])
        try await group.shutdownGracefully()
    }

    @Test func sharedTransactionsStartAtLeastTheSpacingApart() async throws {
        // Four clients, each writing again as soon as its last write committed: every transaction
        // after the first is shared, so each is followed by the pause that makes up the spacing,
        // and there can be at most about one per millisecond (without it, several).
        let transactions = Atomic<Int>(0)
        let (pool, committer) = try await itemTable { transactions.add(1, ordering: .relaxed) }
        let clock = ContinuousClock()
        let started = clock.now
        await withTaskGroup(of: Void.self) { group in
            for client in 0..<4 {
                group.addTask {
                    for round in 0..<30 {
                        try? await committer.write { db in
                            try db.execute(sql: "INSERT INTO item (id) VALUES (?)", arguments: [round * 4 + client])
                        }
                    }
                }
            }
        }
        let elapsed = clock.now - started
        #expect(try await storedItems(pool).count == 120)
        let spacings = Int(elapsed / GatherPause.spacing)
        #expect(transactions.load(ordering: .relaxed) <= spacings + 3, "\(elapsed)")
        #expect(transactions.load(ordering: .relaxed) >= 30)
    }

    @Test func writesFailInsteadOfWaitingWhenTheThreadPoolIsShutDown() async throws {
        let directory = try makeTemporaryDirectory("group")
        let pool = try DatabasePool(path: directory.appendingPathComponent("g.sqlite").path)
        let threads = NIOThreadPool(numberOfThreads: 1)
        threads.start()
        let committer = GroupCommitter(pool: pool, threads: threads)
        #expect(try await committer.write { db in try Int.fetchOne(db, sql: "SELECT 1") } == 1)
        try await threads.shutdownGracefully()
        await #expect(throws: (any Error).self) {
            try await committer.write { db in try Int.fetchOne(db, sql: "SELECT 2") }
        }
    }
}
