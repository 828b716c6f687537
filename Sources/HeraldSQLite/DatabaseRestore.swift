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
    /// Why the replaced database's seqs could not all be read (nil: they were, or there was
    /// none): then only the users read before it moved (``usersMoved``; none when it could not be
    /// opened).
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

    /// - Parameters:
    ///   - boot: the boot the restore runs in (``BootIdentity/current``; tests pass others): a mark
    ///     the replaced database's last run left in another boot moves its seqs further
    ///     (``SessionMarker``).
    ///   - usersPerPage: how many of the replaced database's users are read and moved at once.
    static func restore(
        _ backup: String, into database: String, now: Timestamp, lockWait: Double, boot: Int64?,
        usersPerPage: Int = 10_000
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
            let replaced = FileSize.bytes(atPath: database) > 0
            var sequences: ReplacedSequences?
            var unreadable: String?
            if replaced {
                do {
                    sequences = try ReplacedSequences(path: database, lockWait: lockWait, boot: boot)
                } catch  where error.code != .inUse {
                    unreadable = error.message
                }
            }
            try SQLiteStore.migrate(path: staging, named: backup)
            let moves = try moveSequences(
                of: staging, pastThoseOf: sequences, now: now, usersPerPage: usersPerPage)
            sequences?.close()
            unreadable = unreadable ?? moves.unreadable
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
                usersMoved: moves.moved, replacedKeptAt: keptAt, replacedUnreadable: unreadable,
                milliseconds: started.nanosecondsElapsed / 1_000_000)
        } catch {
            for suffix in ["", "-wal", "-shm"] { try? manager.removeItem(atPath: staging + suffix) }
            if FileSize.bytes(atPath: database) == 0 { try? manager.removeItem(atPath: database) }  // made by the lock
            throw error
        }
    }

    /// In the restored copy, moves every user whose seq in the replaced database (`replaced`; nil:
    /// there is none) is past the copy's to that seq, with a `reset` event after it
    /// (``SQLiteStore/restartEvents(_:user:after:now:)``; counts kept: the backup's), a page of
    /// `usersPerPage` users a transaction, and removes the mark of the run the backup was taken from
    /// (``SessionMarker``). Returns how many users moved and, when a page of the replaced database
    /// could not be read, why (the users of the pages before it moved, no others).
    private static func moveSequences(
        of staging: String, pastThoseOf replaced: ReplacedSequences?, now: Timestamp, usersPerPage: Int
    ) throws(DatabaseOpenError) -> (moved: Int, unreadable: String?) {
        let queue = try writing { try DatabaseQueue(path: staging) }
        // The backup's copy of a running server's mark is no run of this database's.
        try writing { try queue.write { db in try SessionMarker.clear(db) } }
        var moved = 0
        var after = ""  // every id sorts after the empty string
        while let replaced {
            let page: [(user: String, seq: Int64)]
            do {
                page = try replaced.page(after: after, limit: usersPerPage)
            } catch  where error.code != .inUse {
                return (moved, error.message)
            }
            moved += try writing {
                try queue.write { db in
                    var moved = 0
                    for (user, seq) in page where seq > (try SQLiteStore.counts(db, user: user).seq) {
                        try SQLiteStore.restartEvents(db, user: user, after: seq, now: now)
                        moved += 1
                    }
                    return moved
                }
            }
            guard page.count == usersPerPage, let last = page.last else { break }
            after = last.user
        }
        try writing { try queue.close() }  // the last connection: its WAL goes into the file
        return (moved, nil)
    }

    /// Runs `body` on the restored copy, what it throws read as ``DatabaseOpenError/Code/unusable``.
    private static func writing<Result>(_ body: () throws -> Result) throws(DatabaseOpenError) -> Result {
        do {
            return try body()
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
