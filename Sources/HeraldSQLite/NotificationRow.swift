import GRDB
import HeraldCore

/// Maps `notification` rows to and from the domain type.
enum NotificationRow {
    /// What every select of notifications reads, in the order of ``Column``.
    static let columns =
        "pk, user, id, type, title, body, data, tags, created_at, expires_at, read_at, seen_at, archived_at, swept_at"

    /// A row as read: its pk, the notification, and whether the sweeper already processed its
    /// expiry (`swept_at`).
    typealias Decoded = (pk: Int64, notification: Notification, isSwept: Bool)

    /// The position of each of ``columns``.
    private enum Column {
        static let pk: CInt = 0
        static let user: CInt = 1
        static let id: CInt = 2
        static let type: CInt = 3
        static let title: CInt = 4
        static let body: CInt = 5
        static let data: CInt = 6
        static let tags: CInt = 7
        static let createdAt: CInt = 8
        static let expiresAt: CInt = 9
        static let readAt: CInt = 10
        static let seenAt: CInt = 11
        static let archivedAt: CInt = 12
        static let sweptAt: CInt = 13
    }

    /// The rows a select of ``columns`` returns, at most `limit` of them, decoded, and whether
    /// another row followed them. The values are read straight from SQLite, by position: through
    /// GRDB's rows, found by name, the rows of a list took a third of the server's CPU under list
    /// reads, GRDB lowercasing each name and looking up generic metadata for each value (`perf`;
    /// see `bench/HISTORY.md`).
    static func fetch(
        _ db: Database, sql: String, arguments: StatementArguments, limit: Int = .max
    ) throws -> (rows: [Decoded], more: Bool) {
        let statement = try DirectBindings(db.cachedStatement(sql: sql), arguments: arguments)
        var rows: [Decoded] = []
        var more = false
        try statement.forEachRow(in: db) { row in
            if rows.count < limit {
                rows.append(try decode(row))
            } else {
                more = true
            }
        }
        return (rows, more)
    }

    private static func decode(_ row: DirectBindings.Row) throws -> Decoded {
        let dataText = row.string(Column.data)
        let tagsText = row.string(Column.tags)
        // Most rows have no tags: skip the parser for those. `data` is kept as its JSON.
        let data = try object(dataText)
        let tags = tagsText == "[]" ? [] : try strings(tagsText)
        func timestamp(_ column: CInt) -> Timestamp? {
            row.optionalInt64(column).map(Timestamp.init(milliseconds:))
        }
        let notification = Notification(
            id: row.string(Column.id), user: row.string(Column.user), type: row.string(Column.type),
            title: row.optionalString(Column.title), body: row.optionalString(Column.body), data: data, tags: tags,
            createdAt: Timestamp(milliseconds: row.int64(Column.createdAt)),
            expiresAt: Timestamp(milliseconds: row.int64(Column.expiresAt)),
            readAt: timestamp(Column.readAt), seenAt: timestamp(Column.seenAt), archivedAt: timestamp(Column.archivedAt)
        )
        return (row.int64(Column.pk), notification, row.optionalInt64(Column.sweptAt) != nil)
    }

    private static func object(_ text: String) throws -> NotificationData {
        do {
            return try NotificationData(json: text)
        } catch {
            throw DatabaseError(message: "notification data is not a JSON object")
        }
    }

    private static func strings(_ text: String) throws -> [String] {
        guard let strings = try JSONReader.parse(text.utf8).strings else {
            throw DatabaseError(message: "notification tags are not an array of strings")
        }
        return strings
    }

    /// The `tags` column: a JSON array of strings.
    static func json(tags: [String]) -> String {
        var writer = JSONWriter(capacity: tags.isEmpty ? 2 : 64)
        writer.array(tags) { $0.string($1) }
        return writer.string
    }
}
