import ArgumentParser
import HeraldSQLite

/// `herald check [--database PATH] [--repair] [--skip-structure]`: checks that every user's
/// counts, seen mark and seq agree with the stored notifications and events, while `herald serve`
/// may be running; with `--repair` (server stopped) rewrites what disagrees.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check that every user's counts and seq agree with the stored notifications.",
        discussion: """
            Runs SQLite's structure check, then recounts every user's unread and unseen notifications \
            and compares them with the stored counts, checks the seen mark and that the newest event \
            carries the user's seq. It reads a page of users per transaction, so it can run beside \
            herald serve. Exit status: 0 when everything agrees, 2 when something disagrees (each \
            listed), 1 when the database cannot be checked. With --repair (stop the server first), \
            what disagrees is rewritten from the notifications, each changed user gets a reset \
            event, and the database is checked again.
            """)

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "Rewrite what disagrees from the notifications (stop the server first).")
    var repair = false

    @Flag(help: "Skip SQLite's structure check (PRAGMA quick_check), which reads the whole file in one transaction.")
    var skipStructure = false

    /// Runs on the main thread: the check blocks in SQLite, which must not happen on Swift's
    /// cooperative pool.
    func run() throws {
        let check = try database.run("check") { path throws(DatabaseOpenError) in
            try DatabaseCheck.run(database: path, structure: !skipStructure, repair: repair)
        }
        for problem in check.structureProblems ?? [] {
            Terminal.out("structure: \(problem)")
        }
        for finding in check.findings {
            Terminal.out(finding.description)
        }
        if check.findingCount > check.findings.count {
            Terminal.out("… and \(check.findingCount - check.findings.count) more")
        }
        Terminal.out(summary(of: check))
        if !check.isConsistent { throw ExitCode(2) }
    }

    /// The last line: what was checked and the verdict.
    private func summary(of check: DatabaseCheck) -> String {
        let structure: String =
            switch check.structureProblems {
            case nil: "structure not checked"
            case let problems? where problems.isEmpty: "structure ok"
            case let problems?: "structure: \(problems.count) problems, users not checked (restore a backup)"
            }
        let found = check.findingCount == 0 ? "every user's state agrees" : "\(check.findingCount) disagreements"
        var line = "checked \(check.database): \(check.users) users, \(structure), \(found)"
        if let after = check.findingsAfterRepair {
            line += "; repaired \(check.repairedUsers) users, checked again: "
            line += after == 0 ? "every user's state agrees" : "\(after) disagreements left"
        }
        return line + "; in \(check.milliseconds) ms"
    }
}
