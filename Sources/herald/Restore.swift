import ArgumentParser
import Foundation
import HeraldSQLite

/// `herald restore BACKUP [--database PATH]`: puts a backup in place of the database, with the
/// server stopped, so that no `seq` is handed out twice (streams that reconnect get `reset`).
struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Put a backup in place of the database (stop the server first).",
        discussion: """
            The backup is copied and checked first; the replaced database is kept beside it, renamed \
            .replaced-<time>. Every user goes back to the backup's moment; a user whose events went \
            past it gets a reset event after the highest seq the replaced database had handed out, so \
            no seq names two events and streams that reconnect refetch.
            """)

    @Argument(help: "The backup to restore (made by herald backup).")
    var backup: String

    @OptionGroup var database: DatabaseOptions

    /// Runs on the main thread: the restore blocks in SQLite, which must not happen on Swift's
    /// cooperative pool.
    func run() throws {
        let restore = try database.run("restore") { target throws(DatabaseOpenError) in
            try DatabaseRestore.restore(backup, into: target)
        }
        if let reason = restore.replacedUnreadable {
            let moved =
                restore.usersMoved == 0 ? "no seq was" : "only the \(restore.usersMoved) users read before it were"
            Terminal.err(
                "herald restore: warning: the replaced database could not be read (\(reason)), so \(moved) moved: streams that reconnect with a Last-Event-ID past the backup's may miss events; have open pages reload"
            )
        }
        let kept = restore.replacedKeptAt.map { "; the replaced database kept as \($0)" } ?? ""
        print(
            "restored \(restore.backup) into \(restore.database): \(Counted.phrase(restore.users, "user")), \(Counted.phrase(restore.notifications, "notification row")); \(Counted.phrase(restore.usersMoved, "user's seq", plural: "users' seqs")) moved past the replaced database's, with a reset event\(kept); in \(restore.milliseconds) ms"
        )
    }
}
