import Foundation
import GRDB
import HeraldCore
import HeraldTestSupport
import Testing

@testable import HeraldSQLite

/// `herald restore`: a backup put in place of the database hands out no seq a second time (users
/// whose events went past the backup get a `reset` after the replaced database's seq), keeps the
/// replaced database beside it, and refuses to run beside a server or from a bad backup.
@Suite(.timeLimit(.minutes(1)))
struct DatabaseRestoreTests {
    let now = Timestamp(milliseconds: 1_800_000_000_000)

    func create(_ store: SQLiteStore, _ user: String, _ count: Int, from first: Int = 0) async throws {
        for index in first..<first + count {
            _ = try await store.create(
                [try ServiceHarness.draft(user: user, id: "\(user)-\(index)")], defaultTTLSeconds: 600, now: now)
        }
    }

    /// A database in a new directory and its backup: `before` runs before the backup, `after`
    /// after it. The store is returned open: a test that needs the file closed closes it.
    func databaseWithBackup(
        _ label: String, before: (SQLiteStore) async throws -> Void, after: (SQLiteStore) async throws -> Void
    ) async throws -> (directory: URL, database: String, backup: String, store: SQLiteStore) {
        let directory = try makeTemporaryDirectory(label)
        let database = directory.appendingPathComponent("herald.sqlite").path
        let backup = directory.appendingPathComponent("backup.sqlite").path
        let store = try SQLiteStore(path: database)
        try await before(store)
        _ = try DatabaseBackup.copy(from: database, to: backup)
        try await after(store)
        return (directory, database, backup, store)
    }

    @Test func usersPastTheBackupMovePastTheReplacedSeqWithAReset() async throws {
        let (directory, database, backup, open) = try await databaseWithBackup(
            "restore",
            before: { store in
                try await create(store, "u1", 3)
                try await create(store, "u2", 1)
            },
            after: { store in
                try await create(store, "u1", 4, from: 3)  // u1 at seq 7, the backup at 3
                try await create(store, "u3", 2)  // u3 is not in the backup
            })

        let restore = try DatabaseRestore.restore(backup, into: database, now: now)
        // The store had the replaced database open through the restore, and so its WAL was there
        // too. Closed before anything opens the restored one: a last close deletes the WAL by name.
        try await open.close()
        #expect(restore.users == 2 && restore.notifications == 4 && restore.usersMoved == 2)
        #expect(restore.replacedUnreadable == nil)
        let kept = try #require(restore.replacedKeptAt)
        #expect(kept == "\(database).replaced-20270115T080000Z")
        // No staging file left, and no WAL of the replaced database beside the restored one (it went
        // aside with it).
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
            .filter { !$0.hasPrefix("herald.sqlite.replaced-20270115T080000Z-") }
        #expect(leftovers == ["backup.sqlite", "herald.sqlite", "herald.sqlite.replaced-20270115T080000Z"])

        let store = try SQLiteStore(path: database)
        // u1: the backup's counts, its seq past the replaced 7 with a reset, and a catch-up from a
        // lost event (5) or from before the backup (2) reads as a gap: the reset.
        #expect(try await store.counts(user: "u1") == Counts(user: "u1", unread: 3, unseen: 3, seq: 8))
        for after: Int64 in [5, 2] {
            let events = try await store.events(user: "u1", after: after, limit: 50)
            #expect(events.map(\.seq) == [8] && events.first?.name == .reset, "after \(after)")
        }
        #expect(try await store.counts(user: "u3") == Counts(user: "u3", unread: 0, unseen: 0, seq: 3))
        #expect(try await store.counts(user: "u2") == Counts(user: "u2", unread: 1, unseen: 1, seq: 1))  // not moved
        try await create(store, "u1", 1, from: 100)
        #expect(try await store.counts(user: "u1").seq == 9)
        // The replaced database, whole (its WAL replayed into it when its seqs were read).
        let replaced = try SQLiteStore(path: kept)
        #expect(try await replaced.counts(user: "u1").seq == 7)
    }

    /// The replaced database's users are read and moved a page at a time, every page of them.
    @Test func theReplacedUsersAreMovedAPageAtATime() async throws {
        let (_, database, backup, _) = try await databaseWithBackup(
            "restore-paged", before: { try await create($0, "u2", 1) },
            after: { store in
                for user in ["u1", "u3", "u4", "u5", "u6"] { try await create(store, user, 1) }
            })
        let restore = try DatabaseRestore.restore(
            backup, into: database, now: now, lockWait: 10, boot: BootIdentity.current, usersPerPage: 2)
        #expect(restore.usersMoved == 5 && restore.replacedUnreadable == nil)
        let store = try SQLiteStore(path: database)
        for user in ["u1", "u3", "u4", "u5", "u6"] {
            #expect(try await store.counts(user: user) == Counts(user: user, unread: 0, unseen: 0, seq: 2))
            #expect(try await store.events(user: user, after: 0, limit: 5).map(\.name) == [.reset], "\(user)")
        }
        #expect(try await store.counts(user: "u2") == Counts(user: "u2", unread: 1, unseen: 1, seq: 1))
    }

    /// A replaced database damaged partway: the users read before the damage move, and the
    /// restore says why the others did not.
    @Test func aReplacedDatabaseDamagedPartwayKeepsTheUsersReadBeforeTheDamage() async throws {
        let (directory, _, backup, _) = try await databaseWithBackup(
            "restore-damaged-partway", before: { _ in }, after: { _ in })
        // The replaced database: a copy of the backup that no store has open, and 3,000 users past
        // the backup, one leaf of their tree zeroed in the middle.
        let database = directory.appendingPathComponent("replaced.sqlite").path
        try FileManager.default.copyItem(atPath: backup, toPath: database)
        try await DamagedCounters.write(at: database)

        let restore = try DatabaseRestore.restore(
            backup, into: database, now: now, lockWait: 10, boot: BootIdentity.current, usersPerPage: 100)
        #expect(restore.replacedUnreadable?.contains("malformed") == true)
        #expect(restore.usersMoved >= 500 && restore.usersMoved < 3000 && restore.usersMoved % 100 == 0)
        let store = try SQLiteStore(path: database)
        #expect(try await store.counts(user: "u00001") == Counts(user: "u00001", unread: 0, unseen: 0, seq: 6))
        #expect(try await store.counts(user: "u03000") == Counts(user: "u03000", unread: 0, unseen: 0, seq: 0))
    }

    @Test func aRunningServerOrABadBackupChangesNothing() async throws {
        let (directory, database, backup, store) = try await databaseWithBackup(
            "restore-refused", before: { try await create($0, "u1", 2) },
            after: { try await create($0, "u1", 1, from: 2) })
        // Closed, not dropped: while this process has the file open (a dropped store's checkpointing
        // thread closes its connection when it has ended, later), the holder below takes no
        // exclusive lock, and the restore reads beside it.
        try await store.close()
        func refusal(_ backup: String) -> DatabaseOpenError? {
            do {
                _ = try DatabaseRestore.restore(backup, into: database, now: now)
                return nil
            } catch {
                return error
            }
        }
        let running = try DatabaseFileLock(path: database)  // as herald serve holds it
        #expect(refusal(backup)?.code == .inUse)
        running.release()
        // Another program holding the database locked (Python's sqlite3 in exclusive locking mode,
        // after a write; another process, as SQLite's locks are the process's): refused after the
        // wait, rather than restored without moving any seq.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = [
            "python3", "-c",
            """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1], isolation_level=None)
            c.execute("PRAGMA locking_mode = EXCLUSIVE")
            c.execute("BEGIN IMMEDIATE"); c.execute("CREATE TABLE held (x)"); c.execute("DROP TABLE held")
            c.execute("COMMIT")
            print("locked", flush=True)
            sys.stdin.read()
            """, database,
        ]
        let said = Pipe()
        let told = Pipe()
        holder.standardOutput = said
        holder.standardInput = told
        try holder.run()
        try #require(String(decoding: said.fileHandleForReading.availableData, as: UTF8.self).hasPrefix("locked"))
        do {
            _ = try DatabaseRestore.restore(backup, into: database, now: now, lockWait: 0.2)
            Issue.record("restored beside another program's lock")
        } catch {
            #expect(error.code == .inUse && error.message.contains("another program holds"))
        }
        try told.fileHandleForWriting.close()
        holder.waitUntilExit()
        #expect(refusal(directory.appendingPathComponent("missing.sqlite").path)?.message.contains("no backup") == true)
        let text = directory.appendingPathComponent("text").path
        try Data(String(repeating: "not a database\n", count: 100).utf8).write(to: URL(fileURLWithPath: text))
        #expect(refusal(text)?.code == .notADatabase)
        // A newer herald's backup: the message names the backup (it named the restore's own copy,
        // `.herald.sqlite.restoring-…`) and says what to do; another program's database too.
        let newer = directory.appendingPathComponent("newer.sqlite").path
        let newerQueue = try DatabaseQueue(path: newer)
        try SQLiteSchema.migrator.migrate(newerQueue)
        try await newerQueue.write { try $0.execute(sql: "INSERT INTO grdb_migrations VALUES ('v99-from-the-future')") }
        try newerQueue.close()
        let newerRefusal = refusal(newer)
        #expect(newerRefusal?.code == .newerSchema)
        #expect(
            newerRefusal?.message
                == "\(newer) was migrated by a newer herald (v99-from-the-future): restore it with that version")
        let foreign = directory.appendingPathComponent("foreign.sqlite").path
        let foreignQueue = try DatabaseQueue(path: foreign)
        try await foreignQueue.write { try $0.execute(sql: "CREATE TABLE invoices (id INTEGER PRIMARY KEY)") }
        try foreignQueue.close()
        let foreignRefusal = refusal(foreign)
        #expect(foreignRefusal?.message == "\(foreign) is not a Herald database")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().filter {
                !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm")
            } == ["backup.sqlite", "foreign.sqlite", "herald.sqlite", "newer.sqlite", "text"])
        #expect(try await SQLiteStore(path: database).counts(user: "u1").seq == 3)

        // A replaced file that is no database: the backup goes in all the same, nothing moved,
        // and the reason reads as serve's and backup's for such a file.
        let damaged = directory.appendingPathComponent("damaged/herald.sqlite").path
        try FileManager.default.createDirectory(
            atPath: (damaged as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(String(repeating: "not a database\n", count: 100).utf8).write(to: URL(fileURLWithPath: damaged))
        let overDamaged = try DatabaseRestore.restore(backup, into: damaged, now: now)
        #expect(overDamaged.usersMoved == 0 && overDamaged.replacedKeptAt != nil)
        #expect(overDamaged.replacedUnreadable == "\(damaged) is not an SQLite database, or is damaged")
        #expect(try await SQLiteStore(path: damaged).counts(user: "u1").seq == 2)

        // No database yet (a new machine): the backup as it is.
        let fresh = directory.appendingPathComponent("new/herald.sqlite").path
        let restore = try DatabaseRestore.restore(backup, into: fresh, now: now)
        #expect(restore.usersMoved == 0 && restore.replacedKeptAt == nil)
        #expect(try await SQLiteStore(path: fresh).counts(user: "u1").seq == 2)
    }
}
