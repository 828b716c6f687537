import Synchronization

/// The `INSERT` statements of the rows every create writes, one place for their column lists: the
/// values are bound in this order by ``DirectBindings/bindRow(of:)`` and
/// ``DirectBindings/bindRow(of:at:)``, for one row (``SQLiteStore``) or many (``BulkCreate``).
///
/// A multi-row statement's text is built once per table and row count and then kept: built anew,
/// the three texts of a batch of 100 creates (~8 KB of placeholders) cost ~3% of the store's CPU.
enum RowInserts {
    /// The tables ``BulkCreate`` writes many rows of at once.
    enum Table: Hashable {
        case notification, event, userCounter
    }

    private static let built = Mutex<[Table: [Int: String]]>([:])

    /// The statement writing `rows` rows of `table`.
    static func sql(_ table: Table, rows: Int) -> String {
        if let text = built.withLock({ $0[table]?[rows] }) { return text }
        let text: String
        switch table {
        case .notification: text = notification(rows: rows)
        case .event: text = event(rows: rows)
        case .userCounter: text = userCounterAdvance(rows: rows)
        }
        built.withLock { $0[table, default: [:]][rows] = text }
        return text
    }

    /// One notification row (built once: a single create runs it).
    static let oneNotification = notification(rows: 1)
    /// One event row (built once: every write that appends an event runs it).
    static let oneEvent = event(rows: 1)

    /// `rows` notification rows: user, id, type, title, body, data, tags, created_at, expires_at.
    static func notification(rows: Int) -> String {
        insert(
            into: "notification",
            columns: ["user", "id", "type", "title", "body", "data", "tags", "created_at", "expires_at"],
            rows: rows)
    }

    /// `rows` event rows: pk, user, seq, name, data, created_at, prev.
    static func event(rows: Int) -> String {
        insert(into: "event", columns: ["pk", "user", "seq", "name", "data", "created_at", "prev"], rows: rows)
    }

    /// `rows` counter rows written whole, over the user's row or as a new one: user, unread,
    /// unseen, seq, last_event (the user's newest event). The writer read the rows first in the
    /// same transaction; returning the new values instead cost a temporary B-tree per statement.
    static func userCounterAdvance(rows: Int) -> String {
        """
        INSERT INTO user_counter (user, unread, unseen, seq, last_event)
        VALUES \(placeholders(rows: rows, columns: 5))
        ON CONFLICT (user) DO UPDATE SET
            unread = excluded.unread, unseen = excluded.unseen, seq = excluded.seq,
            last_event = excluded.last_event
        """
    }

    /// `(?, ?), (?, ?), …`: `rows` groups of `columns` placeholders.
    static func placeholders(rows: Int, columns: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        return Array(repeating: row, count: rows).joined(separator: ", ")
    }

    private static func insert(into table: String, columns: [String], rows: Int) -> String {
        "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES \(placeholders(rows: rows, columns: columns.count))"
    }
}
