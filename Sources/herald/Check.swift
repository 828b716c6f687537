import ArgumentParser
import HeraldCore
import HeraldSQLite

/// `herald check [--database PATH] [--user U] [--repair] [--skip-structure]`: checks that every
/// user's (or one user's) counts, seen mark and seq agree with the stored notifications and
/// events, while `herald serve` may be running; with `--repair` (server stopped) rewrites what
/// disagrees.
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
            event, and the database is checked again. --user checks one user at once (a support \
            question about one badge), without the structure check. A long check says how many \
            users it has checked on standard error every 10 seconds.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Check only this user (without the structure check).")
    var user: String?

    @Flag(help: "Rewrite what disagrees from the notifications (stop the server first).")
    var repair = false

    @Flag(help: "Skip SQLite's structure check (PRAGMA quick_check), which reads the whole file in one transaction.")
    var skipStructure = false

    func validate() throws {
        if let user, !Identifier.isValid(user) {
            throw ValidationError("--user must be 1-128 characters from [A-Za-z0-9._:@-]")
        }
    }

    /// Runs on the main thread: the check blocks in SQLite, which must not happen on Swift's
    /// cooperative pool.
    func run() throws {
        // A large database takes a while (a million users: ~5 s, more beside a busy server): a
        // line on standard error every 10 s says how far it has come.
        let clock = ContinuousClock()
        var reported = clock.now
        let check = try database.run("check") { path throws(DatabaseOpenError) in
            try DatabaseCheck.run(
                database: path, user: user, structure: !skipStructure && user == nil, repair: repair
            ) { users, again in
                guard clock.now - reported >= Self.progressInterval else { return }
                reported = clock.now
                let pass = again ? " in the check after the repair" : ""
                Terminal.err("herald check: \(Counted.phrase(users, "user")) checked so far\(pass)")
            }
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

    /// How often a long check says how far it has come.
    static let progressInterval = Duration.seconds(10)

    /// The last line: what was checked and the verdict.
    private func summary(of check: DatabaseCheck) -> String {
        "checked \(check.database): \(verdict(of: check)); in \(check.milliseconds) ms"
    }

    /// What the check found: the users, the structure and the users' state, and what a repair left.
    private func verdict(of check: DatabaseCheck) -> String {
        let structure: String
        switch check.structureProblems {
        case nil: structure = "structure not checked"
        case let problems? where problems.isEmpty: structure = "structure ok"
        case let problems?:
            // No user was read, so nothing is said of their state.
            return "structure: \(Counted.phrase(problems.count, "problem")), users not checked (restore a backup)"
        }
        let agrees = user == nil ? "every user's state agrees" : "its state agrees"
        let found = check.findingCount == 0 ? agrees : Counted.phrase(check.findingCount, "disagreement")
        let users =
            switch user {
            case nil: Counted.phrase(check.users, "user")
            case let user? where check.users == 0: "user \(user) (no counts, no notifications)"
            case let user?: "user \(user)"
            }
        var verdict = "\(users), \(structure), \(found)"
        if let after = check.findingsAfterRepair {
            verdict += "; repaired \(Counted.phrase(check.repairedUsers, "user")), checked again: "
            verdict += after == 0 ? agrees : "\(Counted.phrase(after, "disagreement")) left"
        }
        return verdict
    }
}
