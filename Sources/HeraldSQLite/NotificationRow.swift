import GRDB
import HeraldCore

/// Maps `notification` rows to and from the domain type.
enum NotificationRow {
    static let columns =
        "pk, user, id, type, title, body, data, tags, created_at, expires_at, read_at, seen_at, archived_at, swept_at"

    /// Whether the sweeper already processed the row's expiry.
    static func isSwept(_ row: Row) -> Bool { (row["swept_at"] as Int64?) != nil }

    static func decode(_ row: Row) throws -> (pk: Int64, notification: Notification) {
        let dataText: String = row["data"]
        let tagsText: String = row["tags"]
        // Most rows have no data and no tags: skip the parser for those.
        let data = dataText == "{}" ? [:] : try object(dataText)
        let tags = tagsText == "[]" ? [] : try strings(tagsText)
        func timestamp(_ column: String) -> Timestamp? {
            (row[column] as Int64?).map(Timestamp.init(milliseconds:))
        }
        let notification = Notification(
            id: row["id"], user: row["user"], type: row["type"], title: row["title"], body: row["body"],
            data: data, tags: tags,
            createdAt: Timestamp(milliseconds: row["created_at"]),
            expiresAt: Timestamp(milliseconds: row["expires_at"]),
            readAt: timestamp("read_at"), seenAt: timestamp("seen_at"), archivedAt: timestamp("archived_at"))
        return (row["pk"], notification)
    }

    private static func object(_ text: String) throws -> [String: JSONValue] {
        guard let members = try JSONReader.parse(text.utf8).objectMembers else {
            throw DatabaseError(message: "notification data is not a JSON object")
        }
        return members
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
