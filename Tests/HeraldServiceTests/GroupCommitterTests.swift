import Foundation
import GRDB
import HeraldTestSupport
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
        let holder = Task {
            try await committer.write { db in
                Thread.sleep(forTimeInterval: 0.3)
                try db.execute(sql: "INSERT INTO item (id) VALUES (0)")
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        let outcomes = await insertConcurrently(1...10, with: committer) { $0 == 5 }
        try await holder.value
        #expect(committer.retriedTransactions == 1)
        #expect(try await storedItems(pool) == Set([0, 1, 2, 3, 4, 6, 7, 8, 9, 10]))
        #expect(outcomes.filter { !$0.value }.map(\.key) == [5])
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
