import GRDB
import HeraldCore

/// One page of a ``DatabaseCheck`` (the users of up to `limit` counters rows after a user id, and
/// any user between them whose rows have no counters row), or one user, each checked (and, with
/// repair, rewritten) in the caller's transaction.
struct UserStateCheck {
    /// Users checked.
    var users = 0
    /// What disagreed, in the order of the users' ids.
    var findings: [CheckFinding] = []
    /// Users rewritten (repair only).
    var repaired = 0
    /// The page's last counters row's user when another page may follow; nil after the last page.
    var last: String?

    /// Checks the users whose ids sort after `after`: those of the next `limit` counters rows, and
    /// every user up to the last of them (past the end, on the last page) whose unread rows have
    /// no counters row.
    static func page(_ db: Database, after: String, limit: Int, repair: Bool, now: Timestamp) throws -> UserStateCheck {
        var stored: [String: Row] = [:]
        var last: String?
        for row in try Row.fetchAll(
            db, sql: statements.counters + " WHERE user > ? ORDER BY user LIMIT ?", arguments: [after, limit])
        {
            let user: String = row[0]
            stored[user] = row
            last = user
        }
        if stored.count < limit { last = nil }
        let (range, arguments): (String, StatementArguments) =
            if let last { ("user > ?1 AND user <= ?2", [after, last]) } else { ("user > ?1", [after]) }
        var check = try users(db, stored: stored, recountWhere: range, arguments, repair: repair, now: now)
        check.last = last
        return check
    }

    /// Checks one user (none when the user has neither a counters row nor notification rows).
    static func one(_ db: Database, user: String, repair: Bool, now: Timestamp) throws -> UserStateCheck {
        let row = try Row.fetchOne(db, sql: statements.counters + " WHERE user = ?", arguments: [user])
        return try users(
            db, stored: row.map { [user: $0] } ?? [:], recountWhere: "user = ?1", [user], repair: repair, now: now)
    }

    /// Checks the users of `stored` (counters rows by user) and those whose unread rows the
    /// recount finds in `range` (a condition on `user`, with `arguments`), in the order of their ids.
    private static func users(
        _ db: Database, stored: [String: Row], recountWhere range: String, _ arguments: StatementArguments,
        repair: Bool, now: Timestamp
    ) throws -> UserStateCheck {
        var recount: [String: (unread: Int64, unseen: Int64)] = [:]
        for row in try Row.fetchAll(db, sql: statements.recount + " AND \(range) GROUP BY user", arguments: arguments) {
            recount[row[0]] = (row[1], row[2])
        }
        var check = UserStateCheck()
        for user in Set(stored.keys).union(recount.keys).sorted() {
            check.users += 1
            let rows = recount[user] ?? (0, 0)
            let found = try findings(db, user: user, stored: stored[user], rows: rows)
            check.findings += found.map { CheckFinding(user: user, kind: $0.kind, detail: $0.detail) }
            if repair, !found.isEmpty {
                try rewrite(db, user: user, found, rows: rows, now: now)
                check.repaired += 1
            }
        }
        return check
    }

    /// One disagreement as found, with what a repair needs: for a wrong newest event, the highest
    /// seq either side names (0 for the other kinds).
    private typealias Found = (kind: CheckFinding.Kind, detail: String, seq: Int64)

    /// What disagrees for one user, each with what a repair needs (see ``Found``).
    private static func findings(
        _ db: Database, user: String, stored: Row?, rows: (unread: Int64, unseen: Int64)
    ) throws -> [Found] {
        var found: [Found] = []
        let unread: Int64 = stored?[1] ?? 0
        let unseen: Int64 = stored?[2] ?? 0
        if (unread, unseen) != rows {
            let said =
                stored == nil ? "there is no counters row" : "the counters row says unread \(unread), unseen \(unseen)"
            found.append((.counts, "\(said); the notifications make unread \(rows.unread), unseen \(rows.unseen)", 0))
        }
        guard let stored else { return found }
        let seq: Int64 = stored[3]
        let mark: Int64 = stored[4]
        if mark > 0,
            let below = try Int64.fetchOne(
                db.cachedStatement(sql: statements.unseenBelowMark), arguments: [user, mark]),
            below > 0
        {
            found.append((.seenMark, "\(below) notifications at or below the seen mark (pk \(mark)) are not seen", 0))
        }
        // Another user's event there is one that took the pk of this user's pruned newest (pks
        // are taken again once every higher one is gone), as a catch-up's walk reads it.
        if let newest: Int64 = stored[5],
            let eventSeq = try Int64.fetchOne(db.cachedStatement(sql: statements.eventSeq), arguments: [newest, user]),
            eventSeq != seq
        {
            found.append(
                (
                    .newestEvent,
                    "its newest event (pk \(newest)) has seq \(eventSeq); the counters row's seq is \(seq)",
                    max(seq, eventSeq)
                ))
        }
        return found
    }

    /// Rewrites one user's state to what its rows make (see ``DatabaseCheck``).
    private static func rewrite(
        _ db: Database, user: String, _ found: [Found],
        rows: (unread: Int64, unseen: Int64), now: Timestamp
    ) throws {
        if let newest = found.first(where: { $0.kind == .newestEvent }) {
            try SQLiteStore.restartEvents(db, user: user, after: newest.seq, now: now)
        }
        if found.contains(where: { $0.kind == .seenMark }) {
            let mark = try Int64.fetchOne(db, sql: SQLiteStore.seenStatements.nextMark, arguments: [user, 0]) ?? 0
            try db.execute(sql: SQLiteStore.seenStatements.advance, arguments: [mark, user])
        }
        let counts = try SQLiteStore.counts(db, user: user)
        if (counts.unread, counts.unseen) != rows {
            _ = try SQLiteStore.advance(
                db, user: user, unread: rows.unread - counts.unread, unseen: rows.unseen - counts.unseen, name: .reset,
                now: now, data: EventPayload.snapshot)
        }
    }

    /// The statements of a check.
    ///
    /// - `counters`: counters rows (user, unread, unseen, seq, seen mark, newest event); the caller
    ///   adds which;
    /// - `recount`: each user's unread and unseen rows, through the index of unread rows, in the
    ///   order of the users' ids; the caller adds a condition on `user` and the grouping;
    /// - `eventSeq`: the seq of an event by pk, if it is the user's;
    /// - `unseenBelowMark`: a user's rows at or below a seen mark that are neither seen nor swept,
    ///   through each of the user's two indexes by pk (schema `v9`).
    static let statements = (
        counters: "SELECT user, unread, unseen, seq, seen_through, last_event FROM user_counter",
        recount: """
        SELECT user, count(*), sum(seen_at IS NULL) FROM notification INDEXED BY notification_user_unread
        WHERE read_at IS NULL AND archived_at IS NULL AND swept_at IS NULL
        """,
        eventSeq: "SELECT seq FROM event WHERE pk = ? AND user = ?",
        unseenBelowMark: """
        SELECT
            (SELECT count(*) FROM notification INDEXED BY notification_user_unread
             WHERE user = ?1 AND pk <= ?2 AND read_at IS NULL AND seen_at IS NULL AND swept_at IS NULL)
          + (SELECT count(*) FROM notification INDEXED BY notification_user_read
             WHERE user = ?1 AND pk <= ?2 AND read_at IS NOT NULL AND seen_at IS NULL AND swept_at IS NULL)
        """
    )
}
