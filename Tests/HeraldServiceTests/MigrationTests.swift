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

    /// Only Herald's own databases are opened: an empty file or one an older Herald migrated. A
    /// damaged file, another application's database and one a newer Herald migrated are refused,
    /// each with its code, and left as they were.
    @Test func onlyHeraldsOwnDatabasesOpen() throws {
        func refusal(_ prepare: (String) throws -> Void) throws -> DatabaseOpenError.Code? {
            let file = try makeTemporaryDirectory("open").appendingPathComponent("o.sqlite").path
            try prepare(file)
            let before = try Data(contentsOf: URL(fileURLWithPath: file))
            do {
                _ = try SQLiteStore(path: file)
                return nil
            } catch let error as DatabaseOpenError {
                #expect(error.message.hasPrefix(file))
                #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == before)
                return error.code
            }
        }
        let random = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 7919) })
        #expect(try refusal { try random.write(to: URL(fileURLWithPath: $0)) } == .notADatabase)
        let foreign: (String) throws -> Void = { file in
            let queue = try DatabaseQueue(path: file)
            try queue.write { try $0.execute(sql: "CREATE TABLE invoices (id INTEGER PRIMARY KEY)") }
            try queue.close()
        }
        #expect(try refusal(foreign) == .foreign)
        let newer: (String) throws -> Void = { file in
            let queue = try DatabaseQueue(path: file)
            try SQLiteSchema.migrator.migrate(queue)
            try queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations VALUES ('v99-from-the-future')") }
            try queue.close()
        }
        #expect(try refusal(newer) == .newerSchema)
        #expect(try refusal { _ = FileManager.default.createFile(atPath: $0, contents: Data()) } == nil)
        let older: (String) throws -> Void = { file in
            try database(at: "v5-unseen-and-unread-indexes", fill: { _ in })
            try FileManager.default.copyItem(atPath: path, toPath: file)
        }
        #expect(try refusal(older) == nil)
    }

    /// A `read` event as the schemas before `v10` wrote it, created at 1,000 + seq ms.
    static func writeEvent(_ db: Database, user: String, seq: Int, data: String) throws {
        try db.execute(
            sql: "INSERT INTO event (user, seq, name, data, created_at) VALUES (?, ?, ?, ?, ?)",
            arguments: [user, seq, EventName.read.rawValue, data, 1_000 + seq])
    }

    /// A counters row with nothing unread or unseen, as the schemas before `v10` wrote it.
    static func writeCounters(_ db: Database, user: String, seq: Int) throws {
        try db.execute(
            sql: "INSERT INTO user_counter (user, unread, unseen, seq) VALUES (?, 0, 0, ?)", arguments: [user, seq])
    }

    /// What SQLite's planner does for `sql`, one line per step.
    func plan(_ store: SQLiteStore, _ sql: String, _ arguments: StatementArguments = []) async throws -> String {
        try await store.pool.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
                .joined(separator: "\n")
        }
    }

    @Test func eventsKeepEveryUsersHistoryWhenTheyMoveToArrivalOrder() async throws {
        try database(at: "v2-swept-expired") { db in
            for seq in 1...5 {
                for user in ["u2", "u1"] {
                    try Self.writeEvent(db, user: user, seq: seq, data: "{\"\(user)\":\(seq)}")
                }
            }
            try Self.writeCounters(db, user: "u1", seq: 5)
            try Self.writeCounters(db, user: "u2", seq: 5)
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

        let mark = try await plan(store, SQLiteStore.eventStatements.mark, ["u1", 12])
        #expect(mark.contains("INDEX event_user_mark (user=? AND seq>?)"), "\(mark)")
        #expect(!mark.contains("TEMP B-TREE"), "\(mark)")
        let step = try await plan(store, SQLiteStore.eventStatements.step, [3])
        #expect(step.contains("USING INTEGER PRIMARY KEY (rowid=?)"), "\(step)")
        let due = try await plan(store, SQLiteStore.pruneStatements.due, [1_003])
        #expect(due.contains("SCAN event") && !due.contains("INDEX") && !due.contains("TEMP B-TREE"), "\(due)")
        for (statement, arguments) in [
            (SQLiteStore.pruneStatements.kept, [1, 5, 1_003]), (SQLiteStore.pruneStatements.delete, [1, 5]),
        ] {
            let prune = try await plan(store, statement, StatementArguments(arguments))
            #expect(
                prune.contains("USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)") && !prune.contains("INDEX"),
                "\(prune)")
        }
        let purge = try await plan(store, SQLiteStore.purgeStatement, [1_003, 10])
        #expect(purge.contains("COVERING INDEX notification_swept_at"), "\(purge)")
        let check = try await store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
        #expect(check == "ok")
    }

    @Test func notificationsKeepTheirPksWhenUniquenessMovesToIdThenUser() async throws {
        let expiry = now.adding(seconds: 60).milliseconds
        try database(at: "v3-event-in-arrival-order") { db in
            for (pk, id) in [(1, "a"), (2, "b"), (3, "c")] {
                try db.execute(
                    sql: """
                        INSERT INTO notification (pk, user, id, type, title, data, tags, created_at, expires_at, read_at)
                        VALUES (?, 'u1', ?, 't', 'hello', '{}', '["x"]', ?, ?, ?)
                        """,
                    arguments: [pk, id, now.milliseconds, expiry, id == "b" ? now.milliseconds : nil])
            }
            // The newest row is gone; its pk must still never come back.
            try db.execute(sql: "DELETE FROM notification WHERE pk = 3")
            try db.execute(sql: "INSERT INTO user_counter (user, unread, unseen, seq) VALUES ('u1', 1, 1, 3)")
        }
        let store = try SQLiteStore(path: path)
        let a = try #require(try await store.notification(user: "u1", id: "a", now: now))
        #expect(a.tags == ["x"] && a.readAt == nil)
        #expect(try await store.notification(user: "u1", id: "b", now: now)?.readAt == now)
        #expect(try await store.notification(user: "u1", id: "c", now: now) == nil)

        // Still one (user, id) each: the same id with other content conflicts, another user may use it.
        let conflict = try await store.create(
            [try ServiceHarness.draft(user: "u1", id: "a", type: "other")], defaultTTLSeconds: 60, now: now)
        #expect(conflict.count == 1 && { if case .conflict = conflict[0] { true } else { false } }())
        let elsewhere = try await store.create(
            [try ServiceHarness.draft(user: "u2", id: "a")], defaultTTLSeconds: 60, now: now)
        #expect({ if case .created = elsewhere[0] { true } else { false } }())
        _ = try await store.create([try ServiceHarness.draft(user: "u1", id: "d")], defaultTTLSeconds: 60, now: now)
        let pks = try await store.pool.read { db in
            try Int64.fetchAll(db, sql: "SELECT pk FROM notification WHERE id IN ('a', 'd') ORDER BY pk")
        }
        #expect(pks == [1, 4, 5])
        #expect(try await store.counts(user: "u1") == Counts(user: "u1", unread: 2, unseen: 2, seq: 4))

        let lookup = try await plan(store, "SELECT pk FROM notification WHERE user = 'u1' AND id = 'a'")
        #expect(lookup.contains("INDEX notification_id_user (id=? AND user=?)"), "\(lookup)")
        let (list, listArguments) = SQLiteStore.listStatement(NotificationQuery(user: "u1"), now: now)
        let page = try await plan(store, list, listArguments)
        #expect(page.contains("notification_user_read") && !page.contains("TEMP B-TREE"), "\(page)")
        let check = try await store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
        #expect(check == "ok")
    }

    /// Seen visits only the user's rows above its seen mark, read-all only its unread rows, and a
    /// list of unread notifications pages through the unread ones in order, on a database from
    /// before the mark and the index too; seen and read-all scanned every live notification of the
    /// user twice.
    @Test func seenGoesByItsMarkAndReadAllByTheUnreadIndex() async throws {
        let expiry = now.adding(seconds: 60).milliseconds
        try database(at: "v4-notification-id-first") { db in
            for (id, read, seen) in [("a", false, false), ("b", true, true), ("c", false, true), ("d", false, false)] {
                try db.execute(
                    sql: """
                        INSERT INTO notification (user, id, type, title, data, tags, created_at, expires_at, read_at, seen_at)
                        VALUES ('u1', ?, 't', 'hello', '{}', '["x"]', ?, ?, ?, ?)
                        """,
                    arguments: [
                        id, now.milliseconds, expiry, read ? now.milliseconds : nil, seen ? now.milliseconds : nil,
                    ])
            }
            try db.execute(sql: "INSERT INTO user_counter (user, unread, unseen, seq) VALUES ('u1', 3, 2, 4)")
        }
        let store = try SQLiteStore(path: path)
        let indexes = try await store.indexNames(on: "notification")
        #expect(indexes.contains("notification_user_unread") && !indexes.contains("notification_user_unseen"))
        let seenUpdates = SQLiteStore.seenStatements.updates
        #expect(seenUpdates.count == 2)
        for (update, index) in zip(seenUpdates, ["notification_user_unread", "notification_user_read"]) {
            let updatePlan = try await plan(store, update, [now.milliseconds, "u1", 0, now.milliseconds])
            #expect(updatePlan.contains("INDEX \(index) (user=? AND pk>?)"), "\(updatePlan)")
        }
        let nextMark = try await plan(store, SQLiteStore.seenStatements.nextMark, ["u1", 0])
        for index in ["notification_user_unread", "notification_user_read"] {
            #expect(nextMark.contains("INDEX \(index) (user=? AND pk>?)"), "\(nextMark)")
            #expect(nextMark.contains("INDEX \(index) (user=?)"), "\(nextMark)")
        }
        #expect(!nextMark.contains("SCAN notification"), "\(nextMark)")
        for filter in [BulkFilter(), BulkFilter(type: "t", tag: "x")] {
            let (statements, arguments) = SQLiteStore.readAllStatements(user: "u1", now: now, filter: filter)
            let count = try await plan(store, statements.count, arguments)
            #expect(count.contains("INDEX notification_user_unread (user=?)"), "\(count)")
            let update = try await plan(store, statements.update, [now.milliseconds, now.milliseconds] + arguments)
            #expect(update.contains("INDEX notification_user_unread (user=?)"), "\(update)")
        }

        // The unread list's page in pk order, without reading every unread row and sorting them.
        let unreadPage = try await plan(
            store,
            "SELECT pk FROM notification WHERE user = ? AND expires_at > ? AND archived_at IS NULL AND read_at IS NULL"
                + " ORDER BY pk DESC LIMIT 10", ["u1", now.milliseconds])
        #expect(
            unreadPage.contains("INDEX notification_user_unread (user=?)") && !unreadPage.contains("TEMP B-TREE"),
            "\(unreadPage)")

        #expect(try await store.seenMark(user: "u1") == 0)
        let seen = try await store.markAllSeen(user: "u1", now: now)
        #expect(seen.updated == 2 && seen.counts == Counts(user: "u1", unread: 3, unseen: 0, seq: 5))
        #expect(try await store.seenMark(user: "u1") == 4)
        let read = try await store.readAll(user: "u1", filter: BulkFilter(), now: now)
        #expect(read.updated == 3 && read.counts == Counts(user: "u1", unread: 0, unseen: 0, seq: 6))
        #expect(try await store.markAllSeen(user: "u1", now: now).updated == 0)
        #expect(try await store.readAll(user: "u1", filter: BulkFilter(), now: now).updated == 0)

        // Rows above the mark: one read (and so seen) on its own, two seen by the next seen.
        for id in ["e", "f", "g"] {
            _ = try await store.create([try ServiceHarness.draft(user: "u1", id: id)], defaultTTLSeconds: 60, now: now)
        }
        _ = try await store.change(.read, user: "u1", id: "f", now: now)
        let next = try await store.markAllSeen(user: "u1", now: now)
        #expect(next.updated == 2 && next.counts == Counts(user: "u1", unread: 2, unseen: 0, seq: 11))
        #expect(try await store.seenMark(user: "u1") == 7)
    }

    /// The read rows move from the index of all a user's rows to one of their own: lists of every
    /// status still page in pk order without sorting, and seen still reaches a row read but never
    /// seen (which Herald itself does not write: reading marks seen).
    @Test func readRowsGetAnIndexOfTheirOwnAndListsMergeTheTwo() async throws {
        let expiry = now.adding(seconds: 60).milliseconds
        try database(at: "v8-events-pruned-in-arrival-order") { db in
            for (index, id) in ["a", "b", "c", "d", "e", "f"].enumerated() {
                let read = index.isMultiple(of: 2) ? now.milliseconds : nil
                // "c" is read and unseen, as no write of Herald's leaves a row.
                let seen = id == "c" ? nil : read
                try db.execute(
                    sql: """
                        INSERT INTO notification (user, id, type, title, data, tags, created_at, expires_at, read_at, seen_at)
                        VALUES ('u1', ?, 't', 'hello', '{}', '[]', ?, ?, ?, ?)
                        """,
                    arguments: [id, now.milliseconds, expiry, read, seen])
            }
            try db.execute(sql: "INSERT INTO user_counter (user, unread, unseen, seq) VALUES ('u1', 3, 3, 6)")
        }
        let store = try SQLiteStore(path: path)
        let indexes = try await store.indexNames(on: "notification")
        #expect(indexes.contains("notification_user_read") && !indexes.contains("notification_user_pk"))

        for (status, ids) in [
            (NotificationQuery.Status.all, ["f", "e", "d", "c", "b", "a"]), (.read, ["e", "c", "a"]),
            (.unread, ["f", "d", "b"]),
        ] {
            let listed = try await store.listedIDs(NotificationQuery(user: "u1", status: status, limit: 2), now: now)
            #expect(listed == ids, "\(status)")
            let (sql, arguments) = SQLiteStore.listStatement(
                NotificationQuery(user: "u1", status: status, limit: 2, after: 5), now: now)
            let listPlan = try await plan(store, sql, arguments)
            #expect(!listPlan.contains("TEMP B-TREE") && !listPlan.contains("SCAN notification"), "\(listPlan)")
            #expect(listPlan.contains("notification_user_read") == (status != .unread), "\(listPlan)")
            #expect(listPlan.contains("notification_user_unread") == (status != .read), "\(listPlan)")
        }

        let (filtered, filteredArguments) = SQLiteStore.listStatement(
            NotificationQuery(user: "u1", archived: true, type: "t", tag: "x", after: 5), now: now)
        let filteredPlan = try await plan(store, filtered, filteredArguments)
        #expect(
            filteredPlan.contains("INDEX notification_user_unread (user=? AND pk<?)")
                && filteredPlan.contains("INDEX notification_user_read (user=? AND pk<?)")
                && !filteredPlan.contains("TEMP B-TREE"), "\(filteredPlan)")

        // A create enters the unread rows' index only; a read moves its row to the other.
        _ = try await store.create([try ServiceHarness.draft(user: "u1", id: "g")], defaultTTLSeconds: 60, now: now)
        let inRead = {
            try await store.pool.read { db in
                try String.fetchAll(
                    db,
                    sql: """
                        SELECT id FROM notification INDEXED BY notification_user_read
                        WHERE user = 'u1' AND read_at IS NOT NULL ORDER BY pk
                        """)
            }
        }
        #expect(try await inRead() == ["a", "c", "e"])
        _ = try await store.change(.read, user: "u1", id: "g", now: now)
        #expect(try await inRead() == ["a", "c", "e", "g"])

        // Seen marks "c" too; made unread, it does not count as unseen again.
        let seen = try await store.markAllSeen(user: "u1", now: now)
        #expect(seen.updated == 4 && seen.counts == Counts(user: "u1", unread: 3, unseen: 0, seq: 9))
        _ = try await store.change(.unread, user: "u1", id: "c", now: now)
        #expect(try await store.counts(user: "u1") == Counts(user: "u1", unread: 4, unseen: 0, seq: 10))
        let check = try await store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
        #expect(check == "ok")
    }

    /// Events get linked to their user's previous one, and the counters row to the user's newest,
    /// from the index by (user, seq) before it goes; a pruned neighbour leaves no link, and a
    /// catch-up across it reads as a gap.
    @Test func eventsAreLinkedIntoEachUsersChain() async throws {
        try database(at: "v9-read-rows-indexed-apart") { db in
            // u1: seqs 3...70 retained (1 and 2 pruned); u2: 1...5; interleaved in arrival order.
            var rows: [(String, Int)] = (3...70).map { ("u1", $0) }
            for seq in 1...5 { rows.insert(("u2", seq), at: seq * 7) }
            for (user, seq) in rows { try Self.writeEvent(db, user: user, seq: seq, data: "{\"seq\":\(seq)}") }
            try Self.writeCounters(db, user: "u1", seq: 70)
            try Self.writeCounters(db, user: "u2", seq: 5)
        }
        let store = try SQLiteStore(path: path)
        #expect(try await store.events(user: "u1", after: 2, limit: 100).map(\.seq) == Array(3...70))
        #expect(try await store.events(user: "u1", after: 40, limit: 24).map(\.seq) == Array(41...64))
        #expect(try await store.events(user: "u1", after: 0, limit: 1).map(\.seq) == [3])  // a gap
        #expect(try await store.events(user: "u2", after: 2, limit: 2).map(\.data) == [#"{"seq":3}"#, #"{"seq":4}"#])
        let unlinked = try await store.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event WHERE prev IS NULL")
        }
        #expect(unlinked == 2)  // u1's seq 3, whose predecessor was pruned, and u2's first

        // New events continue each chain.
        _ = try await store.create([try ServiceHarness.draft(user: "u2")], defaultTTLSeconds: 60, now: now)
        #expect(try await store.events(user: "u2", after: 0, limit: 10).map(\.seq) == Array(1...6))
        #expect(try await store.indexNames(on: "event") == ["event_user_mark"])
        let check = try await store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
        #expect(check == "ok")
    }

    /// `data` is answered as stored, in whatever spelling an older Herald (or a hand edit) gave it,
    /// and compared by its members: a replayed create with the same data is still a replay.
    @Test func dataStoredInAnotherSpellingIsAnsweredAsStoredAndComparedByMembers() async throws {
        let store = try SQLiteStore(path: path)
        let draft = try NotificationDraft(
            user: "u1", id: "a", type: "t", title: nil, body: nil, data: ["a": .array([.int(2)]), "b": .int(1)],
            tags: [], ttlSeconds: 600, now: now)
        _ = try await store.create([draft], defaultTTLSeconds: 60, now: now)
        #expect(draft.dataJSON == #"{"a":[2],"b":1}"#)
        let spelled = #"{ "b": 1, "a": [ 2 ] }"#
        try await store.pool.write { db in try db.execute(sql: "UPDATE notification SET data = ?", arguments: [spelled])
        }
        #expect(try await store.notification(user: "u1", id: "a", now: now)?.data.json == spelled)
        #expect(try await store.list(.init(user: "u1"), now: now).notifications.map(\.data.json) == [spelled])
        let replay = try await store.create([draft], defaultTTLSeconds: 60, now: now)
        #expect({ if case .replayed = replay[0] { true } else { false } }())
        let other = try NotificationDraft(
            user: "u1", id: "a", type: "t", title: nil, body: nil, data: ["a": .array([.int(3)]), "b": .int(1)],
            tags: [], ttlSeconds: 600, now: now)
        let conflict = try await store.create([other], defaultTTLSeconds: 60, now: now)
        #expect({ if case .conflict = conflict[0] { true } else { false } }())
        // Not a JSON object: an error, never an answer with broken JSON in it.
        for broken in ["[1]", #"{"a":}"#, #"{"a":1} x"#] {
            try await store.pool.write { db in
                try db.execute(sql: "UPDATE notification SET data = ?", arguments: [broken])
            }
            await #expect(throws: (any Error).self, "\(broken)") {
                try await store.notification(user: "u1", id: "a", now: now)
            }
        }
    }
}
