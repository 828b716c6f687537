import Foundation
import GRDB
import HeraldCore
import HeraldTestSupport
import Testing

@testable import HeraldSQLite

/// Databases written by an older Herald open with everything they held, in the current schema.
@Suite(.timeLimit(.minutes(1)))
struct MigrationTests {
    let path: String
    let now = Timestamp(milliseconds: 1_800_000_000_000)

    init() throws {
        path = try makeTemporaryDirectory("migration").appendingPathComponent("m.sqlite").path
    }

    /// A database as Herald left it at `version`: the migrations up to it, then `fill`.
    func database(at version: String, fill: @escaping @Sendable (Database) throws -> Void) throws {
        let queue = try DatabaseQueue(path: path)
        try SQLiteSchema.migrator.migrate(queue, upTo: version)
        try queue.write(fill)
        try queue.close()
    }

    /// What SQLite's planner does for `sql`, one line per step.
    func plan(_ store: SQLiteStore, _ sql: String) async throws -> String {
        try await store.pool.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }
                .joined(separator: "\n")
        }
    }

    @Test func eventsKeepEveryUsersHistoryWhenTheyMoveToArrivalOrder() async throws {
        try database(at: "v2-swept-expired") { db in
            for seq in 1...5 {
                for user in ["u2", "u1"] {
                    try db.execute(
                        sql: "INSERT INTO event (user, seq, name, data, created_at) VALUES (?, ?, ?, ?, ?)",
                        arguments: [user, seq, EventName.read.rawValue, "{\"\(user)\":\(seq)}", 1_000 + seq])
                }
            }
            try db.execute(sql: "INSERT INTO user_counter (user, unread, unseen, seq) VALUES ('u1', 0, 0, 5)")
            try db.execute(sql: "INSERT INTO user_counter (user, unread, unseen, seq) VALUES ('u2', 0, 0, 5)")
        }
        let store = try SQLiteStore(path: path)
        for user in ["u1", "u2"] {
            let events = try await store.events(user: user, after: 2, limit: 10)
            #expect(events.map(\.seq) == [3, 4, 5])
            #expect(events.map(\.data) == (3...5).map { "{\"\(user)\":\($0)}" })
            #expect(events.allSatisfy { $0.name == .read })
        }
        // New events follow the moved ones; retention still goes by age.
        _ = try await store.create([try ServiceHarness.draft(user: "u1")], defaultTTLSeconds: 60, now: now)
        #expect(try await store.events(user: "u1", after: 5, limit: 10).map(\.seq) == [6])
        #expect(try await store.pruneEvents(createdBefore: Timestamp(milliseconds: 1_003)) == 4)
        #expect(try await store.events(user: "u2", after: 0, limit: 10).map(\.seq) == [3, 4, 5])

        let replay = try await plan(
            store, "SELECT seq, name, data FROM event WHERE user = 'u1' AND seq > 2 ORDER BY seq LIMIT 10")
        #expect(replay.contains("USING INDEX event_user_seq"), "\(replay)")
        #expect(!replay.contains("TEMP B-TREE"), "\(replay)")
        let prune = try await plan(store, "DELETE FROM event WHERE created_at < 1003")
        #expect(prune.contains("INDEX event_created_at"), "\(prune)")
        let check = try await store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
        #expect(check == "ok")
    }
}
