import Foundation
import GRDB
public import HeraldCore

/// Puts a backup (``DatabaseBackup``) in place of the database, with the server stopped, without
/// handing out any `seq` a second time.
///
/// Every user goes back to the backup's moment, and the events after it are lost. Restored as it
/// is, the backup would give new events the seq numbers of lost ones, and a browser that saw a
/// lost event and reconnects with its `Last-Event-ID` would miss the new events under the same
/// numbers. So each user whose seq the replaced database had taken past the backup's is moved past
/// it, with a `reset` event: any stream that reconnects from before gets `reset` (refetch), and
/// no seq names two events. The replaced database is kept beside it, renamed.
public struct DatabaseRestore: Sendable {
    /// The backup restored.
    public let backup: String
    /// The database replaced.
    public let database: String
    /// Users with a counters row in the restored database.
    public let users: Int
    /// Notification rows in the restored database.
    public let notifications: Int
    /// Users whose seq was moved past the replaced database's, each with a `reset` event.
    public let usersMoved: Int
    /// Where the replaced database now is (nil: there was none).
    public let replacedKeptAt: String?
    /// Why the replaced database's seqs could not be read (nil: they were, or there was none):
    /// then no seq was moved.
    public let replacedUnreadable: String?
    /// How long the restore took (ms).
    public let milliseconds: Int64

    /// Restores `backup` into `database`, which no `herald serve` may be running on (its lock is
    /// taken for the restore). Throws, changing nothing, when the backup is missing, not Herald's
    /// or damaged, or the database is in use (by a server, or by another program's transaction
    /// for more than 10 s). A database that cannot be read otherwise (damaged) is replaced all
    /// the same, without moving any seq (``replacedUnreadable`` says why).
    /// - Parameter lockWait: how long to wait for another program's lock on the database (s).
    public static func restore(
        _ backup: String, into database: String, now: Timestamp = .now(), lockWait: Double = 10
    ) throws(DatabaseOpenError) -> DatabaseRestore {
        try restore(backup, into: database, now: now, lockWait: lockWait, boot: BootIdentity.current)
    }

    /// - Parameter boot: the boot the restore runs in (``BootIdentity/current``; tests pass
    ///   others): a mark the replaced database's last run left in another boot moves its seqs
    ///   further (``SessionMarker``).
    static func restore(
        _ backup: String, into database: String, now: Timestamp, lockWait: Double, boot: Int64?
    ) throws(DatabaseOpenError) -> DatabaseRestore {
        let started = ContinuousClock.now
        let manager = FileManager.default
        guard manager.fileExists(atPath: backup) else {
            throw DatabaseOpenError(.unavailable, "there is no backup at \(backup)")
        }
        let lock: DatabaseFileLock
        do {
            lock = try DatabaseFileLock(path: database)
        } catch  where error.code == .inUse {
            throw DatabaseOpenError(.inUse, "\(database) is in use by a running herald serve: stop it, then restore")
        }
        defer { lock.release() }
        let databaseURL = URL(fileURLWithPath: database)
        let staging = DatabaseBackup.temporaryPath(beside: database, "restoring")
        do throws(DatabaseOpenError) {
            let copy = try DatabaseBackup.copy(from: backup, to: staging)
            let replaced = DatabaseBackup.size(of: database) > 0
            var positions: [String: Int64] = [:]
            var unreadable: String?
            if replaced {
                do {
                    positions = try seqs(of: database, lockWait: lockWait, boot: boot)
                } catch  where error.code != .inUse {
                    unreadable = error.message
                }
            }
            try SQLiteStore.migrate(path: staging)
            let moved = try moveSequences(of: staging, past: positions, now: now)
            try DatabaseBackup.sync(path: staging)
            var keptAt: String?
            if replaced {
                let aside = "\(database).replaced-\(stamp(now))"
                for suffix in ["", "-wal", "-shm"] where manager.fileExists(atPath: database + suffix) {
                    try rename(database + suffix, to: aside + suffix)
                }
                keptAt = aside
            } else {
                for suffix in ["-wal", "-shm"] { try? manager.removeItem(atPath: database + suffix) }
            }
            try rename(staging, to: database)
            try DatabaseBackup.sync(path: databaseURL.deletingLastPathComponent().path)
            return DatabaseRestore(
                backup: backup, database: database, users: copy.users, notifications: copy.notifications,
                usersMoved: moved, replacedKeptAt: keptAt, replacedUnreadable: unreadable,
                milliseconds: started.nanosecondsElapsed / 1_000_000)
        } catch {
            for suffix in ["", "-wal", "-shm"] { try? manager.removeItem(atPath: staging + suffix) }
            if DatabaseBackup.size(of: database) == 0 { try? manager.removeItem(atPath: database) }  // made by the lock
            throw error
        }
    }

    /// Each user's seq in the database being replaced (its WAL replayed: opened for writing), past
    /// what its last run may have lost to a power loss (``SessionMarker``), as of boot `boot`.
    private static func seqs(
        of database: String, lockWait: Double, boot: Int64?
    ) throws(DatabaseOpenError) -> [String: Int64] {
        var configuration = Configuration()
        configuration.busyMode = .timeout(lockWait)  // a checkpoint ending, another program's lock
        return try DatabaseOpenError.reporting(database, as: database) {
            do {
                let queue = try DatabaseQueue(path: database, configuration: configuration)
                let seqs = try queue.read { db in
                    guard try db.tableExists("user_counter") else {
                        throw DatabaseOpenError(.foreign, "\(database) is not a Herald database")
                    }
                    // Stopped by a power loss, it may have answered events past its seqs.
                    let lost = try db.tableExists("meta") ? try SessionMarker.possibleLoss(db, boot: boot) ?? 0 : 0
                    var seqs: [String: Int64] = [:]
                    let rows = try Row.fetchCursor(db, sql: "SELECT user, seq FROM user_counter")
                    while let row = try rows.next() { seqs[row[0]] = row[1] + lost }
                    return seqs
                }
                try queue.close()
                return seqs
            } catch let error as DatabaseError
                where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
            {
                throw DatabaseOpenError(.inUse, "another program holds \(database) locked: end it, then restore")
            }
        }
    }

    /// In the restored copy, moves every user whose seq in `positions` is past the copy's to that
    /// seq, with a `reset` event after it (``SQLiteStore/restartEvents(_:user:after:now:)``; counts
    /// kept: the backup's), in one transaction, and removes the mark of the run the backup was
    /// taken from (``SessionMarker``). Returns how many users moved.
    private static func moveSequences(
        of staging: String, past positions: [String: Int64], now: Timestamp
    ) throws(DatabaseOpenError) -> Int {
        do {
            let queue = try DatabaseQueue(path: staging)
            let moved = try queue.write { db in
                var moved = 0
                for (user, seq) in positions.sorted(by: { $0.key < $1.key }) {
                    guard seq > (try SQLiteStore.counts(db, user: user).seq) else { continue }
                    try SQLiteStore.restartEvents(db, user: user, after: seq, now: now)
                    moved += 1
                }
                // The backup's copy of a running server's mark is no run of this database's.
                try SessionMarker.clear(db)
                return moved
            }
            try queue.close()  // the last connection: its WAL goes into the file
            return moved
        } catch {
            throw DatabaseOpenError(.unusable, "cannot move the restored users' seqs: \(error)")
        }
    }

    private static func rename(_ from: String, to: String) throws(DatabaseOpenError) {
        guard Foundation.rename(from, to) == 0 else {
            throw DatabaseOpenError(.unusable, "cannot rename \(from) to \(to): \(String(cString: strerror(errno)))")
        }
    }

    /// `20261206T064500Z`: when the replaced database was set aside.
    private static func stamp(_ now: Timestamp) -> String {
        let date = Date(timeIntervalSince1970: Double(now.milliseconds) / 1000)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d%02d%02dT%02d%02d%02dZ", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0,
            parts.minute ?? 0, parts.second ?? 0)
    }
}
