import GRDB
import HeraldCore

/// The mark a store running with `--sync normal` keeps in `meta` from its start to its clean stop:
/// the boot it runs in and its sync budget (``UnsyncedChanges``).
///
/// Found at the next start, the mark says the last run did not stop cleanly. In the same boot that
/// lost nothing: the process ended, but every commit it had written was in the OS's page cache,
/// which reaches the disk. In a later boot (or where the boot is unknown), the OS stopped with the
/// run's last commits possibly unsynced, and a power loss rolls back at most the budget's worth of
/// rows: so every user's seq moves that far past what the database holds, with a `reset` event,
/// and no seq a browser saw before the loss names a new event. A run with `--sync full` syncs
/// every commit and leaves no mark.
enum SessionMarker {
    static let bootKey = "open_session_boot"
    static let marginKey = "open_session_margin"

    /// At the store's opening, on the writer's connection, in one transaction: recovers from a
    /// mark a run left in another boot, then leaves this run's (when `margin` is given: the run
    /// syncs only every `margin` rows). The caller syncs the WAL afterwards. `usersPerPage`: how
    /// many users' seqs a recovery holds in memory at once.
    static func open(
        _ db: Database, boot: Int64?, margin: Int64?, now: Timestamp, usersPerPage: Int = 10_000
    ) throws -> PowerLossRecovery? {
        let started = ContinuousClock.now
        var recovery: PowerLossRecovery?
        try db.inTransaction(.immediate) {
            if let lost = try possibleLoss(db, boot: boot) {
                let moved = try moveEveryUser(db, by: lost, now: now, usersPerPage: usersPerPage)
                recovery = PowerLossRecovery(
                    usersMoved: moved, margin: lost, milliseconds: started.nanosecondsElapsed / 1_000_000)
            }
            try clear(db)
            if let margin {
                try db.execute(
                    sql: "INSERT INTO meta (key, value) VALUES (?, ?), (?, ?)",
                    arguments: [bootKey, boot ?? 0, marginKey, margin])
            }
            return .commit
        }
        return recovery
    }

    /// The most events of a user the run that left the mark may have answered and lost: its
    /// margin, when it left one in a boot other than `boot` (or `boot` is unknown); nil when the
    /// database says nothing was lost.
    static func possibleLoss(_ db: Database, boot: Int64?) throws -> Int64? {
        var mark: [String: Int64] = [:]
        let rows = try Row.fetchCursor(
            db, sql: "SELECT key, value FROM meta WHERE key IN (?, ?)", arguments: [bootKey, marginKey])
        while let row = try rows.next() { mark[row[0]] = row[1] }
        guard let markedBoot = mark[bootKey], let margin = mark[marginKey], boot == nil || markedBoot != boot else {
            return nil
        }
        return margin
    }

    /// Removes the mark: the run stops cleanly (or a restore puts a database in place).
    static func clear(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM meta WHERE key IN (?, ?)", arguments: [bootKey, marginKey])
    }

    /// Moves every user `margin` past its seq, each with a `reset` event; returns how many. A page
    /// of `usersPerPage` users at a time, in the order of their ids, so that memory stays the same
    /// for any number of users (all at once, a million users held ~64 MB until the start ended).
    private static func moveEveryUser(
        _ db: Database, by margin: Int64, now: Timestamp, usersPerPage: Int
    ) throws -> Int {
        var moved = 0
        var after = ""  // every id sorts after the empty string
        while true {
            let page = try SQLiteStore.counterPage(db, after: after, limit: usersPerPage)
            for (user, seq) in page where seq > 0 {
                try SQLiteStore.restartEvents(db, user: user, after: seq + margin, now: now)
                moved += 1
            }
            guard page.count == usersPerPage, let last = page.last else { return moved }
            after = last.user
        }
    }
}
