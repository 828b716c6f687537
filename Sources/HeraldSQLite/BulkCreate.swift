import GRDB
import HeraldCore

/// Writes a run of consecutive creates whose ids the server made with one multi-row statement per
/// table (up to ``rowsPerStatement`` rows each) instead of three statements per create: nothing
/// needs looking up for them, and no row can already hold their ids. The outcome is what the
/// creates one by one give: each user's events take consecutive seqs in the run's order, and each
/// create's counts are the user's counts right after it.
///
/// Under batches the one writer thread spent most of its time per statement (arguments, binding,
/// stepping, a row for `RETURNING`), not in SQLite's B-trees; then ~10% of it hashing user names,
/// five lookups per create, now one (`bench/compare.sh`, batches: +7% and +14% in the two orders).
enum BulkCreate {
    /// Rows per statement: 9 arguments per notification row stays far below SQLite's limit of
    /// 32,766, and one statement per row count is prepared at most once per connection.
    static let rowsPerStatement = 100

    /// Creates `run` (every one with a server-made id) in the caller's transaction and appends
    /// their outcomes to `outcomes`.
    static func insert(
        _ db: Database, _ run: ArraySlice<PreparedCreate>, now: Timestamp, into outcomes: inout [CreateOutcome]
    ) throws {
        for rows in chunks(of: run.indices) {
            let statement = try db.cachedStatement(sql: RowInserts.sql(.notification, rows: rows.count))
            var bindings = DirectBindings(statement)
            for index in rows { bindings.bindRow(of: run[index]) }
            try bindings.execute(in: db)
        }

        // One counter row per user, advanced by all of its creates at once. Users are numbered in
        // order of first appearance, so the bookkeeping below hashes each create's user once.
        var slots: [String: Int] = [:]
        var users: [String] = []
        var creates: [Int64] = []
        var slotOfCreate: [Int] = []
        slotOfCreate.reserveCapacity(run.count)
        for create in run {
            let user = create.notification.user
            let slot: Int
            if let known = slots[user] {
                slot = known
            } else {
                slot = users.count
                slots[user] = slot
                users.append(user)
                creates.append(0)
            }
            creates[slot] += 1
            slotOfCreate.append(slot)
        }
        // Each user's counters before the run, and from them after it. Each event links to its
        // user's previous one (schema `v10`): the newest before the run for a user's first event
        // in it, then the one before it in the run. The run's events take the pks after the log's
        // last, in the run's order.
        let before = try counters(db, users: users, slots: slots)
        var previous = before.map { $0?.lastEvent }
        let after = users.indices.map { slot in
            CounterRow.counts(
                after: before[slot], user: users[slot], unread: creates[slot], unseen: creates[slot],
                events: creates[slot])
        }
        let firstPK = (try db.fetchInt64(sql: "SELECT COALESCE(max(pk), 0) + 1 FROM event") ?? 1)
        var lastOfUser: [Int64] = Array(repeating: 0, count: users.count)
        for (offset, slot) in slotOfCreate.enumerated() { lastOfUser[slot] = firstPK + Int64(offset) }

        for rows in chunks(of: users.indices) {
            let statement = try db.cachedStatement(sql: RowInserts.sql(.userCounter, rows: rows.count))
            var bindings = DirectBindings(statement)
            for slot in rows {
                let counts = after[slot]
                bindings.bind(users[slot])
                bindings.bind(counts.unread)
                bindings.bind(counts.unseen)
                bindings.bind(counts.seq)
                bindings.bind(lastOfUser[slot])
            }
            try bindings.execute(in: db)
        }

        // Each create's counts: the user's final counts, less the creates of that user after it;
        // its event row is bound as its outcome is made (not from the outcomes afterwards, which
        // took a copy of each).
        var remaining = creates
        outcomes.reserveCapacity(outcomes.count + run.count)
        for rows in chunks(of: run.indices) {
            let statement = try db.cachedStatement(sql: RowInserts.sql(.event, rows: rows.count))
            var bindings = DirectBindings(statement)
            for index in rows {
                let create = run[index]
                let slot = slotOfCreate[index - run.startIndex]
                let final = after[slot]
                remaining[slot] -= 1
                let back = remaining[slot]
                let counts = Counts(
                    user: final.user, unread: final.unread - back, unseen: final.unseen - back,
                    seq: final.seq - back)
                let event = UserEvent(
                    user: counts.user, seq: counts.seq, name: .created,
                    data: create.payload.completed(counts: counts))
                let pk = firstPK + Int64(index - run.startIndex)
                bindings.bindRow(of: event, at: now, pk: pk, prev: previous[slot])
                previous[slot] = pk
                let delta = CountsDelta(user: counts.user, unread: 1, unseen: 1, events: 1, seqAfter: counts.seq)
                outcomes.append(create.created(counts: counts, event: event, delta: delta))
            }
            try bindings.execute(in: db)
        }
    }

    /// Each user's counters row before the run, by slot: the counts and the newest event (nil
    /// when that was pruned before `v10` linked it); nil for a user without a row. One statement
    /// for the run, the users passed as a JSON array.
    private static func counters(
        _ db: Database, users: [String], slots: [String: Int]
    ) throws -> [CounterRow?] {
        var writer = JSONWriter(capacity: users.count * 16)
        writer.array(users) { writer, user in writer.string(user) }
        var rows: [CounterRow?] = Array(repeating: nil, count: users.count)
        var read = DirectBindings(
            try db.cachedStatement(
                sql: """
                    SELECT user, unread, unseen, seq, last_event FROM user_counter
                    WHERE user IN (SELECT value FROM json_each(?))
                    """))
        read.bind(writer.string)
        try read.forEachRow(in: db) { row in
            let user = row.string(0)
            guard let slot = slots[user] else { return }
            rows[slot] = CounterRow(user: user, row, from: 1)
        }
        return rows
    }

    /// `indices` cut into runs of at most ``rowsPerStatement``.
    private static func chunks(of indices: Range<Int>) -> [Range<Int>] {
        stride(from: indices.lowerBound, to: indices.upperBound, by: rowsPerStatement).map { start in
            start..<min(start + rowsPerStatement, indices.upperBound)
        }
    }
}
