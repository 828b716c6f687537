import CSQLiteSupport
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
/// (`sqlite3_total_changes64`: every event is one inserted row, so no fewer than the events), and
/// a transaction that brings them to ``budget`` since the last sync is committed synced: the WAL
/// write layer syncs the WAL as the commit frame is written, before SQLite lets any connection
/// read the transaction (as `synchronous = FULL` does for every commit), so neither the writer's
/// answers and events nor a reader (a stream's catch-up, counts from the store) hand out any of it
/// unsynced. So fewer than `budget` rows, and fewer than `budget` events of any user, are ever
/// visible without being on the disk; a start after such a loss moves every user's seq `budget`
/// past the database's (``SessionMarker``).
///
/// Used on the writer's thread only (around each commit); the lock is never contended.
final class UnsyncedChanges: Sendable {
    /// Rows changed between two syncs of the WAL: at most this many events of a user are lost.
    static let defaultBudget: Int64 = 10_000

    let budget: Int64
    /// `sqlite3_total_changes64` of the writer's connection at the last sync (nil: none yet).
    private let syncedAt = Mutex<Int64?>(nil)
    private let syncs = Atomic<Int>(0)
    private let syncsAfter = Atomic<Int>(0)
    private let layerSyncs = Atomic<Int>(0)
    private let logger = Logger(label: "herald.store")

    init(budget: Int64 = defaultBudget) {
        self.budget = budget
    }

    /// WAL syncs this made (for tests and tools).
    var syncCount: Int { syncs.load(ordering: .relaxed) }

    /// Of ``syncCount``, those made after a commit rather than by the WAL write layer as the
    /// commit was written (for tests and tools: none while the layer is under the WAL).
    var syncsAfterCommit: Int { syncsAfter.load(ordering: .relaxed) }

    /// The `fdatasync`s the WAL write layer made for the commits asked (for tests and tools: two
    /// for a commit whose frame headers SQLite rewrote after its commit frame).
    var layerSyncCount: Int { layerSyncs.load(ordering: .relaxed) }

    /// Rows the writer's connection changed since the last sync (for tests and tools; call on the
    /// writer's connection).
    func pending(_ db: Database) -> Int64 {
        let total = sqlite3_total_changes64(db.sqliteConnection)
        return syncedAt.withLock { total - ($0 ?? 0) }
    }

    /// Takes the connection's count as synced: everything before it is on the disk.
    private func synced(_ db: Database) {
        let total = sqlite3_total_changes64(db.sqliteConnection)
        syncedAt.withLock { $0 = total }
    }

    /// What a commit owes the budget, decided before it.
    enum BudgetSync: Sendable, Equatable {
        /// Nothing: the rows since the last sync stay under the budget.
        case notDue
        /// The WAL write layer was asked to sync the commit as it is written.
        case askedOfTheLayer
        /// The layer is not under the WAL: the writer syncs after the commit.
        case afterCommit
    }

    /// Before the `COMMIT` of a transaction on the writer's connection, its rows counted: when
    /// they bring the rows since the last sync to the budget, asks the WAL write layer to sync
    /// the commit as it is written (or, without the layer, says the sync comes after the commit).
    func beforeCommit(_ db: Database) -> BudgetSync {
        guard pending(db) >= budget else { return .notDue }
        return Self.walControl(db, HERALD_FCNTL_SYNC_NEXT_COMMIT, nil) == SQLITE_OK ? .askedOfTheLayer : .afterCommit
    }

    /// After a successful `COMMIT` on the writer's connection, with what ``beforeCommit(_:)``
    /// decided: counts a commit the layer synced as asked; without the layer, syncs the WAL now,
    /// before any write of the transaction is answered (readers may see the transaction a moment
    /// before that). A failed sync is logged and tried again at the next commit (the disk is
    /// failing; nothing else can be done for the writes already committed).
    func afterCommit(_ db: Database, _ sync: BudgetSync) {
        switch sync {
        case .notDue:
            return
        case .askedOfTheLayer:
            var synced: CInt = 0
            guard Self.walControl(db, HERALD_FCNTL_COMMIT_SYNCED, &synced) == SQLITE_OK, synced > 0 else { return }
            layerSyncs.add(Int(synced), ordering: .relaxed)
        case .afterCommit:
            do {
                try Self.syncWAL(db)
            } catch {
                logger.error("cannot sync the WAL to the disk", metadata: ["error": "\(error)"])
                return
            }
            syncsAfter.add(1, ordering: .relaxed)
        }
        syncs.add(1, ordering: .relaxed)
        synced(db)
    }

    /// The WAL file of `db` with its methods, as SQLite writes it (through the WAL write layer);
    /// nil when the connection has none open.
    private static func wal(_ db: Database) -> (file: UnsafeMutablePointer<sqlite3_file>, methods: sqlite3_io_methods)?
    {
        var file: UnsafeMutablePointer<sqlite3_file>?
        guard sqlite3_file_control(db.sqliteConnection, "main", SQLITE_FCNTL_JOURNAL_POINTER, &file) == SQLITE_OK,
            let file, let methods = file.pointee.pMethods
        else { return nil }
        return (file, methods.pointee)
    }

    /// A file control on the WAL of `db` (SQLITE_NOTFOUND when it has none open, or nothing under
    /// it knows `operation`).
    private static func walControl(_ db: Database, _ operation: CInt, _ argument: UnsafeMutableRawPointer?) -> CInt {
        guard let wal = wal(db), let control = wal.methods.xFileControl else { return SQLITE_NOTFOUND }
        return control(wal.file, operation, argument)
    }

    /// Syncs the WAL of `db` (the file SQLite writes it through, so the WAL write layer first
    /// writes out anything it holds) as `synchronous = FULL` does after a commit, and has
    /// `unsynced` (the writer's, when `db` is the writer's connection) count from there. A
    /// connection with no WAL open has nothing to sync.
    static func syncWAL(_ db: Database, recordingIn unsynced: UnsyncedChanges? = nil) throws {
        if let wal = wal(db), let sync = wal.methods.xSync {
            let code = sync(wal.file, SQLITE_SYNC_NORMAL)
            guard code == SQLITE_OK else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot sync the WAL")
            }
        }
        unsynced?.synced(db)
    }
}
