import HeraldCore

/// A user's `user_counter` row as the writer reads it before changing it: the counts, and the pk
/// of the user's newest event (schema `v10`; nil when it was pruned before `v10` linked it).
struct CounterRow {
    var counts: Counts
    var lastEvent: Int64?

    /// Reads unread, unseen, seq and last_event from `row`'s columns, the first at `column`.
    init(user: String, _ row: DirectBindings.Row, from column: CInt) {
        counts = Counts(
            user: user, unread: row.int64(column), unseen: row.int64(column + 1), seq: row.int64(column + 2))
        lastEvent = row.optionalInt64(column + 3)
    }

    /// The user's counts after `events` events that add `unread` and `unseen`; without a row
    /// (`row` nil), counting from none.
    static func counts(
        after row: CounterRow?, user: String, unread: Int64, unseen: Int64, events: Int64
    ) -> Counts {
        let start = row?.counts ?? .empty(user: user)
        return Counts(
            user: user, unread: start.unread + unread, unseen: start.unseen + unseen, seq: start.seq + events)
    }
}
