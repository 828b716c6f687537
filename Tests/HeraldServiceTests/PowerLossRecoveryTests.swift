import Foundation
import GRDB
import HeraldCore
import HeraldTestSupport
import Testing

@testable import HeraldSQLite

/// Under `--sync normal` a power loss can roll back commits already answered. The writer syncs the
/// WAL before more than its budget of rows goes unsynced, and a start in a later boot after a run
/// that did not stop cleanly moves every user's seq that far, with a `reset`: no seq a browser saw
/// before the loss names a new event. A crash of the process alone, a clean stop and `--sync full`
/// move nothing.
@Suite(.timeLimit(.minutes(1)))
struct PowerLossRecoveryTests {
    let now = Timestamp(milliseconds: 1_800_000_000_000)
    let budget: Int64 = 30

    func open(_ path: String, boot: Int64?, sync: CommitSync = .normal) throws -> SQLiteStore {
        try SQLiteStore(
            path: path, threads: .singleton, sync: sync, boot: boot,
            syncBudget: budget)
    }

    func create(_ store: SQLiteStore, _ user: String, _ count: Int, from first: Int = 0) async throws {
        for index in first..<first + count {
            _ = try await store.create(
                [try ServiceHarness.draft(user: user, id: "\(user)-\(index)")], defaultTTLSeconds: 600, now: now)
        }
    }

    /// Rows the store's writer changed since it last synced the WAL.
    func pending(_ store: SQLiteStore) async throws -> Int64 {
        let unsynced = try #require(store.unsynced)
        return try await store.pool.writeWithoutTransaction { db in unsynced.pending(db) }
    }

    /// Syncs the WAL now, as the writer does when the budget is reached.
    func syncNow(_ store: SQLiteStore) async throws {
        let unsynced = try #require(store.unsynced)
        try await store.pool.writeWithoutTransaction { db in
            try UnsyncedChanges.syncWAL(db, recordingIn: unsynced)
        }
    }

    /// Puts the database files back as `copy` holds them: what the disk kept through a power loss.
    func losePower(_ path: String, keeping copy: String) throws {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        try FileManager.default.copyItem(atPath: copy, toPath: path)
    }

    func newDatabase(_ label: String) throws -> (directory: URL, path: String) {
        let directory = try makeTemporaryDirectory(label)
        return (directory, directory.appendingPathComponent("herald.sqlite").path)
    }

    @Test func aLossInALaterBootMovesEverySeqPastWhatTheRunMayHaveAnswered() async throws {
        let (directory, path) = try newDatabase("power-loss")
        let copy = directory.appendingPathComponent("on-disk.sqlite").path
        var store: SQLiteStore? = try open(path, boot: 1)
        try await create(store!, "u1", 10)
        try await create(store!, "u2", 5)
        try await syncNow(store!)
        // The disk as of the sync; then commits the disk may not have when the power goes.
        _ = try DatabaseBackup.copy(from: path, to: copy)
        let syncs = try #require(store!.unsynced).syncCount
        try await create(store!, "u1", 9, from: 10)  // 27 rows: below the budget, so no sync
        #expect(try await pending(store!) == 27)
        #expect(store!.unsynced?.syncCount == syncs)
        #expect(try await store!.counts(user: "u1").seq == 19)  // answered: up to 19
        store = nil
        try losePower(path, keeping: copy)

        let after = try open(path, boot: 2)
        let recovery = try #require(after.powerLossRecovery)
        #expect(recovery.usersMoved == 2 && recovery.margin == budget)
        // Each seq past the disk's by the budget, then a reset; the counts are the disk's.
        #expect(try await after.counts(user: "u1") == Counts(user: "u1", unread: 10, unseen: 10, seq: 10 + budget + 1))
        #expect(try await after.counts(user: "u2") == Counts(user: "u2", unread: 5, unseen: 5, seq: 5 + budget + 1))
        // A browser that saw a lost event (15, 19), or only what the disk kept (10), gets the reset.
        for seen: Int64 in [19, 15, 10] {
            let events = try await after.events(user: "u1", after: seen, limit: 50)
            #expect(events.map(\.seq) == [10 + budget + 1] && events.first?.name == .reset, "after \(seen)")
        }
        try await create(after, "u1", 1, from: 100)
        #expect(try await after.counts(user: "u1").seq == 10 + budget + 2)  // past every seq answered
        // The recovery is done once: the mark is this run's now.
        let again = try open(path, boot: 2)
        #expect(again.powerLossRecovery == nil)
    }

    @Test func aProcessThatDiedInTheSameBootLostNothingAndMovesNoSeq() async throws {
        let (_, path) = try newDatabase("power-loss-crash")
        var store: SQLiteStore? = try open(path, boot: 7)
        try await create(store!, "u1", 4)
        store = nil  // not stopped cleanly: the mark stays

        let after = try open(path, boot: 7)
        #expect(after.powerLossRecovery == nil)
        #expect(try await after.counts(user: "u1").seq == 4)
        #expect(try await after.events(user: "u1", after: 2, limit: 50).map(\.seq) == [3, 4])
    }

    @Test func aCleanStopLeavesNoMark() async throws {
        let (_, path) = try newDatabase("power-loss-clean")
        let store = try open(path, boot: 1)
        try await create(store, "u1", 4)
        try await store.stopCleanly()
        #expect(try await pending(store) == 0)

        let after = try open(path, boot: 2)
        #expect(after.powerLossRecovery == nil)
        #expect(try await after.counts(user: "u1").seq == 4)
    }

    @Test func anUnknownBootTakesEveryUncleanStopAsALoss() async throws {
        let (_, path) = try newDatabase("power-loss-unknown")
        var store: SQLiteStore? = try open(path, boot: nil)
        try await create(store!, "u1", 2)
        store = nil

        let after = try open(path, boot: nil)
        #expect(after.powerLossRecovery?.usersMoved == 1)
        #expect(try await after.counts(user: "u1").seq == 2 + budget + 1)
    }

    /// The move reads users a page at a time: five users (one with no event, left alone), two a
    /// page, each of the four moved once.
    @Test func theMoveGoesThroughTheUsersAPageAtATime() async throws {
        let (_, path) = try newDatabase("power-loss-pages")
        var store: SQLiteStore? = try open(path, boot: 1)
        for (index, user) in ["u1", "u2", "u3", "u4"].enumerated() { try await create(store!, user, index + 1) }
        _ = try await store!.markAllSeen(user: "u0", now: now)  // nothing to mark: no seq
        store = nil

        let opened = try open(path, boot: 1)  // the same boot: nothing moved, the mark stays
        let recovery = try await opened.pool.writeWithoutTransaction { db in
            try SessionMarker.open(db, boot: 2, margin: budget, now: now, usersPerPage: 2)
        }
        #expect(recovery?.usersMoved == 4)
        for (index, user) in ["u1", "u2", "u3", "u4"].enumerated() {
            let seq = Int64(index + 1)
            #expect(try await opened.counts(user: user).seq == seq + budget + 1)
            #expect(try await opened.events(user: user, after: seq, limit: 5).map(\.name) == [.reset])
        }
        #expect(try await opened.counts(user: "u0").seq == 0)
    }

    @Test func fullSyncLeavesNoMarkButRecoversFromANormalRunsMark() async throws {
        let (_, path) = try newDatabase("power-loss-full")
        var store: SQLiteStore? = try open(path, boot: 1, sync: .full)
        #expect(store!.unsynced == nil)
        try await create(store!, "u1", 2)
        store = nil
        var after: SQLiteStore? = try open(path, boot: 2, sync: .full)
        #expect(after!.powerLossRecovery == nil)  // every commit was synced

        after = nil
        store = try open(path, boot: 2)
        try await create(store!, "u1", 1, from: 2)
        store = nil  // a normal run's mark, then a full run in a later boot
        after = try open(path, boot: 3, sync: .full)
        #expect(after!.powerLossRecovery?.usersMoved == 1)
        #expect(try await after!.counts(user: "u1").seq == 3 + budget + 1)
        after = nil
        #expect(try open(path, boot: 4, sync: .full).powerLossRecovery == nil)  // the mark went
    }

    /// No write is answered while more than the budget of rows is unsynced: the writer syncs after
    /// the commit that reaches it.
    @Test func theWriterSyncsBeforeTheBudgetIsPassed() async throws {
        let (_, path) = try newDatabase("power-loss-budget")
        let store = try open(path, boot: 1)
        let unsynced = try #require(store.unsynced)
        for index in 0..<40 {
            _ = try await store.create(
                [try ServiceHarness.draft(user: "u\(index % 3)", id: "n\(index)")], defaultTTLSeconds: 600, now: now)
            let rows = try await pending(store)
            #expect(rows < budget, "after create \(index): \(rows) rows unsynced")
        }
        // 40 creates of three rows each (notification, event, counters): a sync per 30 rows, each
        // made by the WAL write layer as the commit was written, before any reader could see it.
        #expect(unsynced.syncCount == 120 / Int(budget))
        #expect(unsynced.syncsAfterCommit == 0)
        // A batch counts each of its rows.
        let batch = try (0..<20).map { try ServiceHarness.draft(user: "u1", id: "b\($0)") }
        _ = try await store.create(batch, defaultTTLSeconds: 600, now: now)
        #expect(try await pending(store) < budget)
        #expect(unsynced.syncCount == 120 / Int(budget) + 1)
    }

    /// `herald restore` over a database whose run a power loss ended moves its users past what
    /// that run may have answered, and the restored database carries no run's mark.
    @Test func aRestoreOverALostRunMovesSeqsPastItsMargin() async throws {
        let (directory, path) = try newDatabase("power-loss-restore")
        let backup = directory.appendingPathComponent("backup.sqlite").path
        var store: SQLiteStore? = try open(path, boot: 1)
        try await create(store!, "u1", 3)
        _ = try DatabaseBackup.copy(from: path, to: backup)  // holds the running store's mark
        try await create(store!, "u1", 4, from: 3)  // u1 at seq 7
        store = nil

        let restore = try DatabaseRestore.restore(backup, into: path, now: now, lockWait: 10, boot: 2)
        #expect(restore.usersMoved == 1)
        let after = try open(path, boot: 3)
        #expect(after.powerLossRecovery == nil)
        #expect(try await after.counts(user: "u1") == Counts(user: "u1", unread: 3, unseen: 3, seq: 7 + budget + 1))
        let events = try await after.events(user: "u1", after: 7, limit: 50)
        #expect(events.map(\.seq) == [7 + budget + 1] && events.first?.name == .reset)
    }

    /// Runs `writes` in one transaction committed as the store's writer commits (asking for the
    /// sync when `unsynced` says it is due); whether it asked the WAL write layer.
    func commitAsTheWriterDoes(
        _ queue: DatabaseQueue, _ unsynced: UnsyncedChanges, _ writes: (Database) throws -> Void
    ) throws -> Bool {
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            try writes(db)
            let sync = unsynced.beforeCommit(db)
            try db.execute(sql: "COMMIT")
            unsynced.afterCommit(db, sync)
            return sync == .askedOfTheLayer
        }
    }

    /// The WAL write layer syncs the commit it is asked to as the commit is written; a
    /// transaction that writes nothing leaves the request for the next commit that does.
    @Test func theLayerSyncsTheCommitItIsAskedTo() throws {
        let (_, path) = try newDatabase("power-loss-layer")
        try WALWriteBuffer.install()
        let queue = try WALWriteBufferTests.openWAL(path: path)
        try queue.write { db in try db.execute(sql: "CREATE TABLE t (k INTEGER PRIMARY KEY)") }
        let unsynced = UnsyncedChanges(budget: 0)
        /// One transaction inserting `keys`, committed as the writer commits; whether it asked.
        func commit(_ keys: Range<Int>) throws -> Bool {
            try commitAsTheWriterDoes(queue, unsynced) { db in
                for key in keys { try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [key]) }
            }
        }
        let before = WALWriteBuffer.statistics.syncedCommits
        #expect(try commit(0..<3))
        #expect(unsynced.syncCount == 1 && unsynced.syncsAfterCommit == 0)
        #expect(WALWriteBuffer.statistics.syncedCommits > before)
        #expect(try commit(3..<3))  // asked, but no commit frame was written: nothing synced
        #expect(unsynced.syncCount == 1)
        #expect(try commit(3..<4))
        #expect(unsynced.syncCount == 2 && unsynced.syncsAfterCommit == 0 && unsynced.layerSyncCount == 2)
        #expect(try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") } == 4)
    }

    /// A transaction larger than the page cache writes frames before its commit, and when it then
    /// changes one of those pages again SQLite overwrites the frame and rewrites the frame headers
    /// after the commit frame: the layer syncs again after that rewrite, and the copy of the
    /// files the disk holds then has the transaction whole.
    @Test func aCommitWhoseHeadersAreRewrittenIsSyncedAfterTheRewrite() throws {
        let (directory, path) = try newDatabase("power-loss-rewrite")
        try WALWriteBuffer.install()
        let queue = try WALWriteBufferTests.openWAL(path: path, cachePages: 10)
        try queue.write { db in try db.execute(sql: "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)") }
        let unsynced = UnsyncedChanges(budget: 0)
        _ = try commitAsTheWriterDoes(queue, unsynced) { db in
            // ~100 pages through a 10-page cache: spilled to the WAL, then the first rows changed
            // again, so their pages' frames are overwritten in place.
            for key in 0..<400 {
                try db.execute(
                    sql: "INSERT INTO t VALUES (?, ?)", arguments: [key, String(repeating: "a", count: 900)])
            }
            try db.execute(sql: "UPDATE t SET v = ? WHERE k < 20", arguments: [String(repeating: "b", count: 900)])
        }
        #expect(unsynced.syncCount == 1 && unsynced.layerSyncCount == 2)
        // The files as they are: the WAL replayed by a new connection holds the whole transaction.
        let copy = directory.appendingPathComponent("copy.sqlite").path
        for suffix in ["", "-wal"] { try FileManager.default.copyItem(atPath: path + suffix, toPath: copy + suffix) }
        let reader = try DatabaseQueue(path: copy)
        #expect(try reader.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t WHERE v LIKE 'b%'") } == 20)
        #expect(try reader.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") } == 400)
    }

    @Test func bootIDsAreReadAsTheirFirst64Bits() {
        #expect(BootIdentity.identity(ofBootID: "1b4e28ba-2fa1-11d2-883f-0016d3cca427\n") == 0x1b4e_28ba_2fa1_11d2)
        #expect(BootIdentity.identity(ofBootID: "ffffffff-ffff-ffff-0000-000000000000") == -1)
        #expect(BootIdentity.identity(ofBootID: "not a boot id") == nil)
        #if os(Linux)
        #expect(BootIdentity.current != nil)
        #endif
    }
}
