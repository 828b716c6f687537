import Foundation
import GRDB
import HeraldTestSupport
import NIOPosix
import Testing

@testable import HeraldSQLite

@Suite(.timeLimit(.minutes(1)))
struct GroupCommitterTests {
    struct Refused: Error {}

    @Test func concurrentWritesCommitTogetherAndAFailureRollsBackAlone() async throws {
        let directory = try makeTemporaryDirectory("group")
        let pool = try DatabasePool(path: directory.appendingPathComponent("g.sqlite").path)
        try await pool.write { db in try db.execute(sql: "CREATE TABLE item (id INTEGER PRIMARY KEY)") }
        let committer = GroupCommitter(pool: pool)
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<200 {
                group.addTask {
                    do {
                        try await committer.write { db in
                            try db.execute(sql: "INSERT INTO item (id) VALUES (?)", arguments: [index])
                            if index % 7 == 0 { throw Refused() }  // after its insert: must roll back alone
                        }
                        return (index, true)
                    } catch {
                        return (index, false)
                    }
                }
            }
            var outcomes: [Int: Bool] = [:]
            for await (index, ok) in group { outcomes[index] = ok }
            return outcomes
        }
        let stored = Set(try await pool.read { db in try Int.fetchAll(db, sql: "SELECT id FROM item") })
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
