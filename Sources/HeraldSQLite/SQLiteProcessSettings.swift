import CSQLiteSupport
import GRDBSQLite

/// Settings SQLite takes once per process, before it initializes (the first connection or VFS
/// registration does that), so ``SQLiteStore`` makes them before it installs ``WALWriteBuffer``.
public enum SQLiteProcessSettings {
    /// Whether SQLite keeps no memory statistics in this process.
    ///
    /// Debian builds SQLite with them on and without its lookaside allocator, so every one of
    /// SQLite's many small allocations also took a process-wide mutex to count its bytes: ~2% of a
    /// store-alone batch load's samples under `perf` (`pthread_mutex_lock`/`unlock`,
    /// `sqlite3Malloc`), mostly on the one writer thread. Nothing in Herald reads those statistics.
    /// False when something in the process initialized SQLite first (SQLite then keeps counting).
    public static let memoryStatisticsOff: Bool = herald_sqlite_memory_statistics_off() == SQLITE_OK

    /// The bytes SQLite counts as allocated now: 0 while ``memoryStatisticsOff`` (for tests and tools).
    public static var memoryCounted: Int64 {
        var current: sqlite3_int64 = 0
        var highest: sqlite3_int64 = 0
        sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &current, &highest, 0)
        return current
    }
}
