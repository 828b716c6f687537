import Foundation
import GRDB
public import HeraldCore

/// A check of a Herald database against itself (`herald check`): SQLite's structure check, then,
/// for every user, that the counters row is what the user's notification rows make, so that the
/// counts Herald answers and streams are exact.
///
/// For each user it checks that
/// - `unread` and `unseen` equal a recount of the rows (unread: not read, not archived, not
///   swept; unseen: those not seen; no counters row counts as zero);
/// - no row at or below the seen mark (`seen_through`, schema `v7`) is still unseen and not
///   swept, since a seen skips those rows;
/// - the event the row names as the newest (`last_event`, schema `v10`), unless pruned (its pk
///   gone, or taken again by another user's event), carries the row's seq.
///
/// It reads a page of users at a time, each page in a read transaction of its own (one snapshot:
/// a running server's writes never make a user look inconsistent), and, when a WAL with frames
/// is beside the file (a server may be running), waits as long as each page took before the
/// next, so that it runs beside `herald serve` and the server's checkpointer can start the WAL
/// over between pages (2 million notifications checked beside ~60,000/s in batches: the WAL grew
/// to 197-269 MB read back to back, 67-103 MB paced, 60 MB without a check). The structure check
/// (`PRAGMA quick_check`) reads the whole file in one transaction; a file that fails it is not
/// checked further (restore a backup).
///
/// With `repair`, which needs the server stopped, it rewrites what disagrees, page by page in
/// write transactions, then checks again: wrong counts are set to the recount and a wrong newest
/// event starts a new chain of events, each with a `reset` event (so an open page that resumes
/// refetches), and a seen mark moves to just below the first row still unseen. The counts cache
/// in memcached starts over at the server's next start.
public struct DatabaseCheck: Sendable {
    /// The database checked.
    public let database: String
    /// What SQLite's structure check reported (empty: nothing wrong; nil: not run).
    public let structureProblems: [String]?
    /// Users with a counters row, or rows without one (0 when the structure check failed: users
    /// are then not checked).
    public let users: Int
    /// The first ``reportLimit`` findings, in the order of the users' ids.
    public let findings: [CheckFinding]
    /// How many findings there were in all.
    public let findingCount: Int
    /// Users whose state was rewritten (repair only).
    public let repairedUsers: Int
    /// With repair: the findings of the check after it (nil without repair).
    public let findingsAfterRepair: Int?
    /// How long it took (ms).
    public let milliseconds: Int64

    /// How many findings a check keeps to report.
    public static let reportLimit = 20

    /// True when the structure check (if run) and every user's state came out right; after a
    /// repair, when the check after it found nothing.
    public var isConsistent: Bool {
        (structureProblems ?? []).isEmpty && (findingsAfterRepair ?? findingCount) == 0
    }

    /// Checks the Herald database at `path`, every user or only `user`; with `structure`, runs
    /// SQLite's structure check first; with `repair`, rewrites what disagrees (see the type's
    /// documentation), which takes the database's lock and fails with
    /// ``DatabaseOpenError/Code/inUse`` while `herald serve` runs, and is refused when the
    /// structure check fails. Throws when the file is missing, not Herald's, of another schema
    /// version, or unreadable.
    /// - Parameter progress: called on the calling thread after each page of users, with how many
    ///   users the pass has checked so far and whether it is the check again after a repair.
    public static func run(
        database path: String, user: String? = nil, structure: Bool, repair: Bool, now: Timestamp = .now(),
        progress: (_ usersChecked: Int, _ again: Bool) -> Void = { _, _ in }
    ) throws(DatabaseOpenError) -> DatabaseCheck {
        try run(
            database: path, user: user, structure: structure, repair: repair, now: now, usersPerPage: 1_000,
            progress: progress)
    }

    /// - Parameter usersPerPage: how many users each transaction checks (tests pass few).
    static func run(
        database path: String, user: String? = nil, structure: Bool, repair: Bool, now: Timestamp,
        usersPerPage: Int, progress: (_ usersChecked: Int, _ again: Bool) -> Void = { _, _ in }
    ) throws(DatabaseOpenError) -> DatabaseCheck {
        let started = ContinuousClock.now
        guard FileManager.default.fileExists(atPath: path) else {
            throw DatabaseOpenError(.unavailable, "there is no database at \(path): point --database at Herald's file")
        }
        var lock: DatabaseFileLock?
        if repair {
            do {
                lock = try DatabaseFileLock(path: path)
            } catch  where error.code == .inUse {
                throw DatabaseOpenError(.inUse, "\(path) is in use by a running herald serve: stop it, then repair")
            }
        }
        defer { lock?.release() }
        let queue = try open(path, writable: repair)
        defer { try? queue.close() }
        let problems = structure ? try structureProblems(queue, path) : nil
        if let problems, !problems.isEmpty {
            if repair {
                throw DatabaseOpenError(
                    .unusable,
                    "\(path) failed SQLite's structure check (\(problems.prefix(3).joined(separator: "; "))): restore a backup instead of repairing"
                )
            }
            // Reading its users could fail on the damage, and counts from damaged pages mean little.
            return DatabaseCheck(
                database: path, structureProblems: problems, users: 0, findings: [], findingCount: 0,
                repairedUsers: 0, findingsAfterRepair: nil, milliseconds: started.nanosecondsElapsed / 1_000_000)
        }
        // An empty or no WAL beside the file: nothing is writing it (a stopped server checkpoints
        // and removes its WAL; a check leaves an empty one), no pause.
        let paced = !repair && FileSize.bytes(atPath: path + "-wal") > 0
        let first = try pass(
            queue, path, user: user, repair: repair, paced: paced, now: now, usersPerPage: usersPerPage
        ) { progress($0, false) }
        let after =
            repair
            ? try pass(
                queue, path, user: user, repair: false, paced: false, now: now, usersPerPage: usersPerPage
            ) { progress($0, true) }
            : nil
        return DatabaseCheck(
            database: path, structureProblems: problems, users: first.users, findings: first.findings,
            findingCount: first.findingCount, repairedUsers: first.repaired, findingsAfterRepair: after?.findingCount,
            milliseconds: started.nanosecondsElapsed / 1_000_000)
    }

    /// Opens the database, after checking it is Herald's at this version's schema.
    private static func open(_ path: String, writable: Bool) throws(DatabaseOpenError) -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = !writable
        configuration.busyMode = .timeout(10)
        let migrator = SQLiteSchema.migrator
        return try DatabaseOpenError.reporting(path, as: "cannot check \(path)") {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.read { db in
                guard try db.tableExists("grdb_migrations"), try db.tableExists("user_counter") else {
                    throw DatabaseOpenError(.foreign, "\(path) is not a Herald database")
                }
                if try migrator.hasBeenSuperseded(db) {
                    throw DatabaseOpenError(
                        .newerSchema, "\(path) was migrated by a newer herald: check it with that version")
                }
                if try !migrator.hasCompletedMigrations(db) {
                    throw DatabaseOpenError(
                        .unusable,
                        "\(path) has an older schema: start this version's herald serve on it once (it migrates), then check"
                    )
                }
            }
            return queue
        }
    }

    /// SQLite's `PRAGMA quick_check`, in one read transaction: its lines, none when it says `ok`
    /// (damage that stops it: SQLite's message).
    private static func structureProblems(_ queue: DatabaseQueue, _ path: String) throws(DatabaseOpenError) -> [String]
    {
        let lines = try DatabaseOpenError.reporting(path, as: "cannot check \(path)") {
            do {
                return try queue.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CORRUPT {
                // Damage that stops the check itself.
                return [error.message ?? "database disk image is malformed"]
            }
        }
        return lines == ["ok"] ? [] : lines
    }

    /// What one pass over every user found (and, with repair, rewrote).
    private struct Pass {
        var users = 0
        var findings: [CheckFinding] = []
        var findingCount = 0
        var repaired = 0
    }

    /// Checks every user a page at a time (or only `user`), each page in its own transaction (a
    /// write transaction with `repair`); `paced`: after each page, waits as long as it took;
    /// `progress`: after each page that checked a user, the users checked so far.
    private static func pass(
        _ queue: DatabaseQueue, _ path: String, user: String?, repair: Bool, paced: Bool, now: Timestamp,
        usersPerPage: Int, progress: (Int) -> Void
    ) throws(DatabaseOpenError) -> Pass {
        var pass = Pass()
        var after = ""
        while true {
            let started = ContinuousClock.now
            let page = try DatabaseOpenError.reporting(path, as: "cannot check \(path)") {
                let check = { (db: Database) in
                    if let user { return try UserStateCheck.one(db, user: user, repair: repair, now: now) }
                    return try UserStateCheck.page(db, after: after, limit: usersPerPage, repair: repair, now: now)
                }
                return repair ? try queue.write(check) : try queue.read(check)
            }
            pass.users += page.users
            pass.findingCount += page.findings.count
            pass.findings += page.findings.prefix(reportLimit - pass.findings.count)
            pass.repaired += page.repaired
            if page.users > 0 { progress(pass.users) }
            guard let last = page.last else { return pass }
            after = last
            if paced {
                // As long again without a reader, so that a running server's checkpointer can
                // start its WAL over between pages: read back to back, the pages left it no
                // moment, and the WAL grew with every write meanwhile.
                Thread.sleep(forTimeInterval: Double(started.nanosecondsElapsed) / 1e9)
            }
        }
    }
}
