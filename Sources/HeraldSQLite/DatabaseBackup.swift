import Foundation
import GRDB
import HeraldCore

/// A copy of a Herald database in a new file, consistent as of one moment, taken while Herald may
/// be running and writing: SQLite's `VACUUM INTO`, one read transaction that writers never wait
/// for (SQLite's online backup starts over whenever another connection writes, so under steady
/// writes it never ends).
///
/// The copy is written under a temporary name beside the target, checked (`PRAGMA quick_check`),
/// synced to the disk and only then renamed to the target, so the target is either a whole,
/// durable copy or absent: `VACUUM INTO` itself neither syncs nor survives an interruption.
public struct DatabaseBackup: Sendable {
    /// The database copied.
    public let source: String
    /// The copy's path.
    public let target: String
    /// The copy's size in bytes.
    public let bytes: Int64
    /// Users with a counters row in the copy.
    public let users: Int
    /// Notification rows in the copy (deleted and expired ones kept for their retention included).
    public let notifications: Int
    /// How long the copy took, checks included (ms).
    public let milliseconds: Int64

    /// Copies the Herald database at `source` to `target`, which must not exist yet (or be empty).
    /// Throws, leaving no file behind, when `source` is missing or not Herald's, `target` exists,
    /// or SQLite fails.
    public static func copy(from source: String, to target: String) throws(DatabaseOpenError) -> DatabaseBackup {
        let started = ContinuousClock.now
        let manager = FileManager.default
        guard manager.fileExists(atPath: source) else {
            throw DatabaseOpenError(
                .unavailable, "there is no database at \(source): point --database at Herald's file")
        }
        if FileSize.bytes(atPath: target) > 0 {
            throw DatabaseOpenError(.unusable, "\(target) exists: name a new file for the backup")
        }
        let targetURL = URL(fileURLWithPath: target)
        var isDirectory: ObjCBool = false
        let directory = targetURL.deletingLastPathComponent().path
        guard manager.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DatabaseOpenError(.unusable, "there is no directory \(directory) to write \(target) in")
        }
        let partial = temporaryPath(beside: target, "partial")
        do throws(DatabaseOpenError) {
            try vacuum(source, into: partial)
            let (users, notifications) = try check(partial)
            try sync(path: partial)
            guard rename(partial, target) == 0 else {
                throw DatabaseOpenError(
                    .unusable, "cannot rename the copy to \(target): \(String(cString: strerror(errno)))")
            }
            try sync(path: targetURL.deletingLastPathComponent().path)
            let bytes = FileSize.bytes(atPath: target)
            return DatabaseBackup(
                source: source, target: target, bytes: bytes, users: users, notifications: notifications,
                milliseconds: started.nanosecondsElapsed / 1_000_000)
        } catch {
            try? manager.removeItem(atPath: partial)
            throw error
        }
    }

    /// `VACUUM INTO` from a connection of its own, after checking the file is Herald's.
    private static func vacuum(_ source: String, into partial: String) throws(DatabaseOpenError) {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        try DatabaseOpenError.reporting(source, as: "cannot copy \(source)") {
            let queue = try DatabaseQueue(path: source, configuration: configuration)
            try queue.inDatabase { db in
                guard try db.tableExists("grdb_migrations"), try db.tableExists("user_counter") else {
                    throw DatabaseOpenError(.foreign, "\(source) is not a Herald database")
                }
                let writeback = GradualWriteback(path: partial)
                defer { writeback.stop() }
                try db.execute(sql: "VACUUM INTO ?", arguments: [partial])
            }
            try queue.close()
        }
    }

    /// Checks the copy's structure and counts its users and notification rows.
    private static func check(_ partial: String) throws(DatabaseOpenError) -> (users: Int, notifications: Int) {
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: partial, configuration: configuration)
            let (result, users, notifications) = try queue.read { db in
                (
                    try String.fetchAll(db, sql: "PRAGMA quick_check"),
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM user_counter") ?? 0,
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM notification") ?? 0
                )
            }
            try queue.close()
            guard result == ["ok"] else {
                throw DatabaseOpenError(
                    .unusable, "the copy failed its check: \(result.prefix(3).joined(separator: "; "))")
            }
            return (users, notifications)
        } catch let error as DatabaseOpenError {
            throw error
        } catch {
            throw DatabaseOpenError(.unusable, "cannot check the copy: \(error)")
        }
    }

    /// A hidden name beside `path` for a file written before it takes `path`'s place:
    /// `.herald.sqlite.partial-1a2b3c4d` (`purpose` is `partial`), unique to this call.
    static func temporaryPath(beside path: String, _ purpose: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(purpose)-\(UUID().uuidString.prefix(8))").path
    }

    /// `fsync`s a file or directory, so what was written to it survives a power loss.
    static func sync(path: String) throws(DatabaseOpenError) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0, fsync(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            if descriptor >= 0 { close(descriptor) }
            throw DatabaseOpenError(.unusable, "cannot sync \(path) to the disk: \(reason)")
        }
        close(descriptor)
    }
}
