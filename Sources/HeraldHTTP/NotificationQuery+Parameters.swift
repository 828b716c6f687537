import HeraldCore

extension NotificationQuery {
    /// The list `GET /v1/users/{user}/notifications` asks for, from its query parameters
    /// (`parameter` gives a name's decoded value, nil when absent, and may refuse a name given more
    /// than once): `status`, `archived`, `type`, `tag`, `limit` and `cursor`; others are ignored.
    init(user: String, parameter: (String) throws(HeraldError) -> Substring?) throws(HeraldError) {
        self.init(user: user)
        if let status = try parameter("status") {
            guard let value = Status(rawValue: String(status)) else {
                throw HeraldError(.invalidQuery, "status must be unread, read or all")
            }
            self.status = value
        }
        if let archived = try parameter("archived") {
            switch archived {
            case "true": self.archived = true
            case "false": self.archived = false
            default: throw HeraldError(.invalidQuery, "archived must be true or false")
            }
        }
        // A filter no notification can match (empty, too long) is refused as read-all's is, rather
        // than answered with an empty list, which a form's blank field would make look like "none";
        // each as it is read, so that its error comes before a later parameter's.
        type = try parameter("type").map(String.init)
        try NotificationDraft.checkFilter(type: type, tag: nil, code: .invalidQuery)
        tag = try parameter("tag").map(String.init)
        try NotificationDraft.checkFilter(type: nil, tag: tag, code: .invalidQuery)
        if let limit = try parameter("limit") {
            guard let value = Int(limit), (1...200).contains(value) else {
                throw HeraldError(.invalidQuery, "limit must be an integer from 1 to 200")
            }
            self.limit = value
        }
        if let cursor = try parameter("cursor"), !cursor.isEmpty { after = try ListCursor.decode(String(cursor)) }
    }
}
