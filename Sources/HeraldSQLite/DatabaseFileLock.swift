import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock (`flock`) on the database file, taken by `herald serve` before it
/// opens the store, so that a second server cannot use the same database.
///
/// Two servers over one file would each keep their own counts cache key space and their own event
/// broker: each would answer counts the other's writes have made stale, and streams would miss the
/// other's events. Other programs (the `sqlite3` shell, a `VACUUM INTO` backup) are not kept out:
/// SQLite locks with `fcntl`, which `flock` does not touch on local file systems.
///
/// The lock lasts until ``release()`` or the end of the process. Release it only after the store
/// is closed: closing any descriptor of a file drops every `fcntl` lock the process holds on it,
/// SQLite's included.
public final class DatabaseFileLock: Sendable {
    private let descriptor: Int32

    /// Opens (creating the file and its directory if needed) and locks `path`.
    /// - Throws: ``DatabaseOpenError`` with `.inUse` when another process (or another lock of
    ///   this one) holds it, `.unavailable` when the file cannot be opened or locked.
    public init(path: String) throws(DatabaseOpenError) {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw DatabaseOpenError(.unavailable, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let failure = errno
            close(descriptor)
            if failure == EWOULDBLOCK {
                throw DatabaseOpenError(
                    .inUse,
                    "\(path) is in use by another herald serve; two servers on one database would answer "
                        + "each other's stale counts and miss each other's events: stop the other one, or "
                        + "give this one its own --database")
            }
            throw DatabaseOpenError(.unavailable, "cannot lock \(path): \(String(cString: strerror(failure)))")
        }
        self.descriptor = descriptor
    }

    /// Unlocks and closes the file; call it once, after the store on it is closed.
    public func release() {
        close(descriptor)
    }
}
