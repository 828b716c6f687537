import Foundation
import GRDB
import HeraldCore
import HeraldTestSupport
import Testing

@testable import HeraldSQLite

/// `herald check`: every user's counters row against a recount of its rows, its seen mark and its
/// newest event; the repair that rewrites them; the structure check.
@Suite(.timeLimit(.minutes(1)))
struct DatabaseCheckTests {
    let now = Timestamp(milliseconds: 1_800_000_000_000)
    let directory: URL
    let database: String

    init() throws {
        directory = try makeTemporaryDirectory("check")
        database = directory.appendingPathComponent("herald.sqlite").path
    }

    func check(repair: Bool = false, structure: Bool = true) throws(DatabaseOpenError) -> DatabaseCheck {
        try DatabaseCheck.run(database: database, structure: structure, repair: repair, now: now, usersPerPage: 2)
    }

    /// Every kind of write, for five users (pages of two users), leaves a database whose every
    /// user agrees with its rows; checked while the store is open.
    @Test func everyWriteKeepsEveryUserConsistent() async throws {
        let store = try SQLiteStore(path: database)
        for user in ["u1", "u2", "u3", "u4", "u5"] {
            _ = try await store.create(
                (0..<6).map {
                    try ServiceHarness.draft(user: user, id: "\(user)-\($0)", tags: $0 % 2 == 0 ? ["x"] : [])
                },
                defaultTTLSeconds: 600, now: now)
            _ = try await store.create([try ServiceHarness.draft(user: user, ttl: 1)], defaultTTLSeconds: 600, now: now)
        }
        _ = try await store.change(.read, user: "u1", id: "u1-0", now: now)
        _ = try await store.change(.archive, user: "u1", id: "u1-1", now: now)
        _ = try await store.change(.unread, user: "u1", id: "u1-0", now: now)
        _ = try await store.markAllSeen(user: "u2", now: now)
        _ = try await store.create([try ServiceHarness.draft(user: "u2", id: "late")], defaultTTLSeconds: 600, now: now)
        _ = try await store.readAll(user: "u3", filter: .init(tag: "x"), now: now)
        _ = try await store.delete(user: "u4", id: "u4-2", now: now)
        _ = try await store.deleteAll(user: "u5", now: now)
        _ = try await store.expire(now: now.adding(seconds: 2), limit: 100)

        let check = try check()
        #expect(check.structureProblems == [] && check.users == 5)
        #expect(check.findings.isEmpty && check.findingCount == 0 && check.isConsistent)
        #expect(check.findingsAfterRepair == nil && check.repairedUsers == 0)
    }

    /// Each kind of disagreement is found for the user it concerns, on any page, including users
    /// whose rows have no counters row between two pages and after the last; the repair rewrites
    /// them, with a reset event carrying the recounted counts, and the check after it agrees.
    @Test func disagreementsAreFoundAndRepaired() async throws {
        do {
            let store = try SQLiteStore(path: database)
            for user in ["a", "b", "c", "d", "e"] {
                _ = try await store.create(
                    (0..<3).map { try ServiceHarness.draft(user: user, id: "\(user)-\($0)") },
                    defaultTTLSeconds: 600, now: now)
            }
            _ = try await store.markAllSeen(user: "c", now: now)  // c's mark at its newest row
        }
        let queue = try HandEditedDatabase.open(database)
        try await queue.write { db in
            try db.execute(sql: "UPDATE user_counter SET unread = 7 WHERE user = 'a'")
            try db.execute(sql: "UPDATE notification SET seen_at = NULL WHERE user = 'c' AND id = 'c-1'")
            try db.execute(sql: "UPDATE user_counter SET seq = 9 WHERE user = 'd'")
            // b's newest event pruned and its pk taken by another user's: not a disagreement.
            try db.execute(
                sql:
                    "UPDATE user_counter SET last_event = (SELECT max(pk) FROM event WHERE user = 'e') WHERE user = 'b'"
            )
            for user in ["bb", "zz"] {  // no counters row: between the first two pages, after the last
                try db.execute(
                    sql: """
                        INSERT INTO notification (user, id, type, data, tags, created_at, expires_at)
                        VALUES (?, 'n', 't', '{}', '[]', ?, ?)
                        """,
                    arguments: [user, now.milliseconds, now.milliseconds + 600_000])
            }
        }
        try queue.close()

        let found = try check()
        #expect(found.users == 7 && !found.isConsistent)
        #expect(
            found.findings.map { "\($0.user) \($0.kind.rawValue)" } == [
                "a counts", "bb counts", "c counts", "c seen_mark", "d newest_event", "zz counts",
            ])
        #expect(
            found.findings[0].detail
                == "the counters row says unread 7, unseen 3; the notifications make unread 3, unseen 3")
        #expect(found.findings[1].detail.hasPrefix("there is no counters row"))

        let repaired = try check(repair: true)
        #expect(repaired.findingCount == 6 && repaired.repairedUsers == 5)
        #expect(repaired.findingsAfterRepair == 0 && repaired.isConsistent)
        #expect(try check().findingCount == 0)

        let store = try SQLiteStore(path: database)
        #expect(try await store.counts(user: "a") == Counts(user: "a", unread: 3, unseen: 3, seq: 4))
        let reset = try #require(try await store.events(user: "a", after: 3, limit: 10).first)
        #expect(reset.name == .reset && reset.data.contains("\"unread\":3"))
        #expect(try await store.counts(user: "zz") == Counts(user: "zz", unread: 1, unseen: 1, seq: 1))
        // d's seq moves past the higher of the two, with a reset; c's next seen marks c-1 again.
        #expect(try await store.counts(user: "d").seq == 10)
        #expect(try await store.events(user: "d", after: 9, limit: 10).map(\.name) == [.reset])
        #expect(try await store.markAllSeen(user: "c", now: now).updated == 1)
    }

    /// A seen mark that disagrees with rows whose counts agree (a row below the mark not seen,
    /// counted unseen) is found and repaired on its own.
    @Test func aSeenMarkAloneIsFoundAndRepaired() async throws {
        do {
            let store = try SQLiteStore(path: database)
            _ = try await store.create(
                (0..<3).map { try ServiceHarness.draft(user: "c", id: "c-\($0)") }, defaultTTLSeconds: 600, now: now)
            _ = try await store.markAllSeen(user: "c", now: now)
        }
        let queue = try HandEditedDatabase.open(database)
        try await queue.write { db in
            try db.execute(sql: "UPDATE notification SET seen_at = NULL WHERE user = 'c' AND id = 'c-1'")
            try db.execute(sql: "UPDATE user_counter SET unseen = unseen + 1 WHERE user = 'c'")
        }
        try queue.close()

        #expect(try check().findings.map { "\($0.user) \($0.kind.rawValue)" } == ["c seen_mark"])
        let repaired = try check(repair: true)
        #expect(repaired.repairedUsers == 1 && repaired.findingsAfterRepair == 0)
        let store = try SQLiteStore(path: database)
        #expect(try await store.markAllSeen(user: "c", now: now).updated == 1)
    }

    /// The row at the seen mark itself is below it: un-seen there, read (so no count moves) or
    /// unread (its count moved with it), it is found through either index and repaired.
    @Test func anUnseenRowAtTheSeenMarkItselfIsFound() async throws {
        do {
            let store = try SQLiteStore(path: database)
            for user in ["r", "u"] {
                _ = try await store.create(
                    (0..<2).map { try ServiceHarness.draft(user: user, id: "\(user)-\($0)") }, defaultTTLSeconds: 600,
                    now: now)
            }
            _ = try await store.change(.read, user: "r", id: "r-1", now: now)
            for user in ["r", "u"] { _ = try await store.markAllSeen(user: user, now: now) }
        }
        let queue = try HandEditedDatabase.open(database)
        try await queue.write { db in
            let atMark = try Int.fetchOne(
                db,
                sql: "SELECT count(*) FROM notification n JOIN user_counter c USING (user) WHERE n.pk = c.seen_through")
            #expect(atMark == 2)  // r-1 and u-1, each its user's newest
            try db.execute(sql: "UPDATE notification SET seen_at = NULL WHERE id IN ('r-1', 'u-1')")
            try db.execute(sql: "UPDATE user_counter SET unseen = unseen + 1 WHERE user = 'u'")
        }
        try queue.close()

        #expect(try check().findings.map { "\($0.user) \($0.kind.rawValue)" } == ["r seen_mark", "u seen_mark"])
        let repaired = try check(repair: true)
        #expect(repaired.repairedUsers == 2 && repaired.findingsAfterRepair == 0)
    }

    /// A check says how far it has come after each page, and the check after a repair again.
    @Test func progressIsReportedAfterEachPage() async throws {
        do {
            let store = try SQLiteStore(path: database)
            for user in ["a", "b", "c", "d", "e"] {
                _ = try await store.create([try ServiceHarness.draft(user: user)], defaultTTLSeconds: 600, now: now)
            }
        }
        var reports: [String] = []
        for repair in [false, true] {
            let check = try DatabaseCheck.run(
                database: database, structure: false, repair: repair, now: now, usersPerPage: 2
            ) { users, again in reports.append("\(users)\(again ? " again" : "")") }
            #expect(check.users == 5 && check.isConsistent)
        }
        #expect(reports == ["2", "4", "5", "2", "4", "5", "2 again", "4 again", "5 again"])
    }

    /// One user alone: only that user's state is read, found wrong, and repaired.
    @Test func oneUserIsCheckedAndRepairedAlone() async throws {
        do {
            let store = try SQLiteStore(path: database)
            for user in ["a", "b"] {
                _ = try await store.create([try ServiceHarness.draft(user: user)], defaultTTLSeconds: 600, now: now)
            }
        }
        let queue = try HandEditedDatabase.open(database)
        try await queue.write { db in try db.execute(sql: "UPDATE user_counter SET unseen = 5") }
        try queue.close()
        func check(_ user: String, repair: Bool = false) throws(DatabaseOpenError) -> DatabaseCheck {
            try DatabaseCheck.run(
                database: database, user: user, structure: false, repair: repair, now: now, usersPerPage: 2)
        }
        let one = try check("a")
        #expect(one.users == 1 && one.findings.map(\.user) == ["a"] && one.findings.first?.kind == .counts)
        #expect(try check("nobody").users == 0)
        let repaired = try check("a", repair: true)
        #expect(repaired.repairedUsers == 1 && repaired.findingsAfterRepair == 0)
        #expect(try check("a").isConsistent)
        #expect(try check("b").findingCount == 1)  // left as it was
        #expect(try self.check().findings.map(\.user) == ["b"])
    }

    /// The structure check finds a damaged page, and a damaged database is not repaired.
    @Test func aDamagedFileFailsTheStructureCheckAndIsNotRepaired() async throws {
        let queue = try DatabaseQueue(path: database)
        try SQLiteSchema.migrator.migrate(queue)
        try queue.close()
        try await DamagedCounters.write(at: database)

        let damaged = try check()
        #expect(damaged.structureProblems?.isEmpty == false && !damaged.isConsistent && damaged.users == 0)
        #expect(throws: DatabaseOpenError.self) { try check(repair: true) }
    }

    /// A missing file, another application's, a running server (for a repair) are refused.
    @Test func whatCannotBeCheckedIsRefused() async throws {
        #expect(throws: DatabaseOpenError.self) { try check() }
        let queue = try DatabaseQueue(path: database)
        try await queue.write { db in try db.execute(sql: "CREATE TABLE other (x)") }
        try queue.close()
        do {
            _ = try check()
            Issue.record("another application's database was checked")
        } catch {
            #expect(error.code == .foreign)
        }
        try FileManager.default.removeItem(atPath: database)
        _ = try SQLiteStore(path: database)
        let lock = try DatabaseFileLock(path: database)
        defer { lock.release() }
        do {
            _ = try check(repair: true)
            Issue.record("repaired beside a server")
        } catch {
            #expect(error.code == .inUse)
        }
        #expect(try check().isConsistent)  // a check alone runs beside it
    }

    /// A database a newer Herald migrated, or one an older Herald left unmigrated, is not checked:
    /// its rows may not mean what this version's checks read them as. Either is left as it was.
    @Test func schemasOtherThanThisVersionsAreRefused() async throws {
        func refusal(migratedUpTo version: String?, adding extra: String?) throws -> DatabaseOpenError.Code? {
            try? FileManager.default.removeItem(atPath: database)
            let queue = try DatabaseQueue(path: database)
            if let version {
                try SQLiteSchema.migrator.migrate(queue, upTo: version)
            } else {
                try SQLiteSchema.migrator.migrate(queue)
            }
            if let extra {
                try queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations VALUES (?)", arguments: [extra]) }
            }
            try queue.close()
            let before = try Data(contentsOf: URL(fileURLWithPath: database))
            defer { #expect((try? Data(contentsOf: URL(fileURLWithPath: database))) == before) }
            do {
                _ = try check(repair: true)
                return nil
            } catch {
                return error.code
            }
        }
        #expect(try refusal(migratedUpTo: nil, adding: "v99-from-the-future") == .newerSchema)
        #expect(try refusal(migratedUpTo: "v9-read-rows-indexed-apart", adding: nil) == .unusable)
        #expect(try refusal(migratedUpTo: nil, adding: nil) == nil)
    }

    /// Only the first findings are kept, all of them counted.
    @Test func findingsPastTheReportLimitAreCounted() async throws {
        let queue = try DatabaseQueue(path: database)
        try SQLiteSchema.migrator.migrate(queue)
        try await queue.write { db in
            try db.execute(
                sql: """
                    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25)
                    INSERT INTO user_counter (user, unread, unseen, seq) SELECT printf('u%02d', i), 1, 0, 0 FROM n
                    """)
        }
        try queue.close()
        let check = try check()
        #expect(check.findingCount == 25 && check.findings.count == DatabaseCheck.reportLimit)
        #expect(check.findings.last?.user == "u20")
    }
}
