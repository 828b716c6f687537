import CSQLiteSupport
public import GRDB
import GRDBSQLite

/// The SQLite VFS layer that writes each WAL append (a transaction's frames) in one call instead
/// of two per frame (header, then page). Every connection the process opens after ``install()``
/// goes through it; files other than WALs pass straight through. The rules that keep a committed
/// transaction in the file before SQLite publishes it are in `Sources/CSQLiteSupport`.
public enum WALWriteBuffer {
    /// WAL writes held back so far in this process, the joined writes that wrote them out, and
    /// the commits synced as they were written (``UnsyncedChanges``).
    public struct Statistics: Sendable, Equatable {
        public var held: UInt64
        public var joined: UInt64
        public var syncedCommits: UInt64
    }

    private static let installation: Result<Void, DatabaseError> = {
        let code = herald_wal_buffer_install()
        guard code == 0 else {
            return .failure(DatabaseError(resultCode: ResultCode(rawValue: code), message: "WAL write layer"))
        }
        return .success(())
    }()

    /// Makes the layer SQLite's default VFS, once per process; connections opened before keep theirs.
    public static func install() throws {
        try installation.get()
    }

    /// The names of the VFS layers under `db`'s main database file, outermost first
    /// (`herald-wal-buffer/unix` once the layer is installed).
    public static func vfsName(of db: Database) -> String? {
        var name: UnsafeMutablePointer<CChar>?
        guard sqlite3_file_control(db.sqliteConnection, "main", SQLITE_FCNTL_VFSNAME, &name) == SQLITE_OK,
            let name
        else { return nil }
        defer { sqlite3_free(name) }
        return String(cString: name)
    }

    /// Counters since the process started (for tests and tools).
    public static var statistics: Statistics {
        var held: UInt64 = 0
        var joined: UInt64 = 0
        var synced: UInt64 = 0
        herald_wal_buffer_statistics(&held, &joined, &synced)
        return Statistics(held: held, joined: joined, syncedCommits: synced)
    }
}
