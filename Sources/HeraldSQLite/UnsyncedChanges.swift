import GRDB
import GRDBSQLite
import Logging
import Synchronization

/// Bounds what a power loss can take under `--sync normal`: the rows committed since the WAL last
/// reached the disk.
///
/// With `synchronous = NORMAL` SQLite syncs the WAL only at checkpoints, so an OS crash or a power
/// loss can roll back commits already answered, and each user's `seq` with them: events the
/// browsers saw would be numbered again, and a browser resuming from one of them would miss the
/// new events under those numbers. The writer counts the rows its connection changed
/// (`sqlite3_total_changes64`: every event is one inserted row, so no fewer than the events) and,
/// after a commit that brings them to ``budget`` since the last sync, syncs the WAL before any
/// write of that transaction is answered or published. So no more than `budget` rows, and no
/// more than `budget` events of any user, are ever handed out without being on the disk; a start
/// after such a loss moves every user's seq past them (``SessionMarker``).
///
/// Used on the writer's thread only (after each commit); the lock is never contended.
final class UnsyncedChanges: Sendable {
    /// Rows changed between two syncs of the WAL: at most this many events of a user are lost.
    static let defaultBudget: Int64 = 10_000

    let budget: Int64
    /// `sqlite3_total_changes64` of the writer's connection at the last sync (nil: none yet).
    private let syncedAt = Mutex<Int64?>(nil)
    private let syncs = Atomic<Int>(0)
    private let logger = Logger(label: "herald.store")

    init(budget: Int64 = defaultBudget) {
        self.budget = budget
    }

    /// WAL syncs this made (for tests and tools).
    var syncCount: Int { syncs.load(ordering: .relaxed) }

    /// Rows the writer's connection changed since the last sync (for tests and tools; call on the
    /// writer's connection).
    func pending(_ db: Database) -> Int64 {
        let total = sqlite3_total_changes64(db.sqliteConnection)
        return syncedAt.withLock { total - ($0 ?? 0) }
    }

    /// Takes the connection's count as synced: everything before it is on the disk (the store
    /// opened, or the WAL was synced otherwise).
    func synced(_ db: Database) {
        let total = sqlite3_total_changes64(db.sqliteConnection)
        syncedAt.withLock { $0 = total }
    }

    /// After a commit on the writer's connection: syncs the WAL when the rows changed since the
    /// last sync reached the budget. A failed sync is logged and tried again after the next
    /// commit (the disk is failing; nothing else can be done for the writes already committed).
    func afterCommit(_ db: Database) {
        let total = sqlite3_total_changes64(db.sqliteConnection)
        guard syncedAt.withLock({ total - ($0 ?? 0) >= budget }) else { return }
        do {
            try Self.syncWAL(db)
        } catch {
            logger.error("cannot sync the WAL to the disk", metadata: ["error": "\(error)"])
            return
        }
        syncs.add(1, ordering: .relaxed)
        syncedAt.withLock { $0 = total }
    }

    /// Syncs the WAL of `db` (the file SQLite writes it through, so the WAL write layer first
    /// writes out anything it holds) as `synchronous = FULL` does after a commit. A connection
    /// with no WAL open has nothing to sync.
    static func syncWAL(_ db: Database) throws {
        var file: UnsafeMutablePointer<sqlite3_file>?
        var code = sqlite3_file_control(db.sqliteConnection, "main", SQLITE_FCNTL_JOURNAL_POINTER, &file)
        if code == SQLITE_OK, let file, let methods = file.pointee.pMethods, let sync = methods.pointee.xSync {
            code = sync(file, SQLITE_SYNC_NORMAL)
        }
        guard code == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot sync the WAL")
        }
    }
}
