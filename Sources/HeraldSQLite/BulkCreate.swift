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

    /// Creates `run` (every one with a server-made id) in the caller's transaction.
    static func insert(_ db: Database, _ run: ArraySlice<PreparedCreate>, now: Timestamp) throws -> [CreateOutcome] {
        for rows in chunks(of: run) {
            let statement = try db.cachedStatement(sql: RowInserts.sql(.notification, rows: rows.count))
            var bindings = DirectBindings(statement)
            for create in rows { bindings.bindRow(of: create) }
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
        var after: [Counts?] = Array(repeating: nil, count: users.count)
        for rows in chunks(of: users[...]) {
            let statement = try db.cachedStatement(sql: RowInserts.sql(.userCounter, rows: rows.count))
            var bindings = DirectBindings(statement)
            for slot in rows.indices {
                bindings.bind(users[slot])
                bindings.bind(creates[slot])
                bindings.bind(creates[slot])
                bindings.bind(creates[slot])
            }
            try bindings.forEachRow(in: db) { row in
                let user = row.string(0)
                guard let slot = slots[user] else { return }
                after[slot] = Counts(user: user, unread: row.int64(1), unseen: row.int64(2), seq: row.int64(3))
            }
        }

        // Each create's counts: the user's final counts, less the creates of that user after it.
        var remaining = creates
        var outcomes: [CreateOutcome] = []
        outcomes.reserveCapacity(run.count)
        for (create, slot) in zip(run, slotOfCreate) {
            let notification = create.notification
            guard let final = after[slot] else {
                throw DatabaseError(message: "counter upsert returned no row for a user")
            }
            remaining[slot] -= 1
            let back = remaining[slot]
            let counts = Counts(
                user: notification.user, unread: final.unread - back, unseen: final.unseen - back,
                seq: final.seq - back)
            let event = UserEvent(
                user: counts.user, seq: counts.seq, name: .created, data: create.payload.completed(counts: counts))
            let delta = CountsDelta(user: counts.user, unread: 1, unseen: 1, events: 1, seqAfter: counts.seq)
            outcomes.append(
                .created(NotificationChange(notification: notification, counts: counts, event: event, delta: delta)))
        }

        for rows in chunks(of: outcomes[...]) {
            let statement = try db.cachedStatement(sql: RowInserts.sql(.event, rows: rows.count))
            var bindings = DirectBindings(statement)
            for case .created(let change) in rows { bindings.bindRow(of: change.event, at: now) }
            try bindings.execute(in: db)
        }
        return outcomes
    }

    private static func chunks<Element>(of elements: ArraySlice<Element>) -> [ArraySlice<Element>] {
        stride(from: elements.startIndex, to: elements.endIndex, by: rowsPerStatement).map { start in
            elements[start..<min(start + rowsPerStatement, elements.endIndex)]
        }
    }
}
