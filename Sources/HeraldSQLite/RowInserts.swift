/// The `INSERT` statements of the rows every create writes, one place for their column lists: the
/// values are bound in this order by ``DirectBindings/bindRow(of:)`` and
/// ``DirectBindings/bindRow(of:at:)``, for one row (``SQLiteStore``) or many (``BulkCreate``).
enum RowInserts {
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

    /// `rows` event rows: user, seq, name, data, created_at.
    static func event(rows: Int) -> String {
        insert(into: "event", columns: ["user", "seq", "name", "data", "created_at"], rows: rows)
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
