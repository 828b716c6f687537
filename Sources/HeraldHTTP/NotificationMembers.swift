import HeraldCore

/// The members of one notification object that a create reads, gathered while its body is parsed:
/// a slot for each, filled as its key comes by (a later duplicate replaces an earlier one, as in a
/// parsed object), every other member checked as JSON and dropped. A batch read this way builds
/// no dictionary per notification and hashes none of their keys: with a dictionary built for each
/// item and eight keys looked up in it, reading a batch body took 8.1% of the server's samples
/// under the batch load, and 5.3% this way (`perf`).
struct NotificationMembers {
    var user: JSONValue?
    var id: JSONValue?
    var type: JSONValue?
    var title: JSONValue?
    var body: JSONValue?
    var data: JSONValue?
    var tags: JSONValue?
    var ttlSeconds: JSONValue?
    var expiresAt: JSONValue?

    /// Reads the next value: its members when it is an object, nil when it is something else.
    static func read(_ reader: inout JSONReader) throws(JSONReader.Failure) -> NotificationMembers? {
        var members = NotificationMembers()
        let isObject = try reader.readObject { key, reader throws(JSONReader.Failure) in
            let value = try reader.value()
            switch key {
            case "user": members.user = value
            case "id": members.id = value
            case "type": members.type = value
            case "title": members.title = value
            case "body": members.body = value
            case "data": members.data = value
            case "tags": members.tags = value
            case "ttl_seconds": members.ttlSeconds = value
            case "expires_at": members.expiresAt = value
            default: break
            }
        }
        guard isObject else {
            _ = try reader.value()
            return nil
        }
        return members
    }
}
