import ArgumentParser
import Foundation
import HeraldSQLite

/// `herald backup TARGET [--database PATH]`: copies the database to a new file, consistent as of
/// one moment, while `herald serve` may be running and writing (no `sqlite3` shell needed: the
/// Docker image has none).
struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the database to a new file, while the server runs.",
        discussion: """
            The copy is one consistent snapshot (SQLite's VACUUM INTO), checked, synced to the disk and \
            only then given its name: TARGET is a whole copy or does not exist. Writes go on meanwhile. \
            Put it back with herald restore.
            """)

    @Argument(help: "The new file to write (it must not exist, or be empty).")
    var target: String

    @OptionGroup var database: DatabaseOptions

    /// Runs on the main thread: the copy blocks in SQLite, which must not happen on Swift's
    /// cooperative pool.
    func run() throws {
        let backup = try database.run("backup") { source throws(DatabaseOpenError) in
            try DatabaseBackup.copy(from: source, to: target)
        }
        print(
            "backed up \(backup.source) to \(backup.target): \(backup.bytes) bytes, \(Counted.phrase(backup.users, "user")), \(Counted.phrase(backup.notifications, "notification row")), checked, in \(backup.milliseconds) ms"
        )
    }
}
