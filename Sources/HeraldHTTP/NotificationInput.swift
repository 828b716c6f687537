import HeraldCore

/// The JSON body of a create request.
struct NotificationInput: JSONReadable {
    var draft: NotificationDraft

    init(json: JSONValue) throws(HeraldError) {
        let fields = try JSONFields(json, notAnObject: "each notification must be a JSON object")
        guard let user = try fields.string("user") else { throw HeraldError(.invalidID, "user is required") }
        guard let type = try fields.string("type") else { throw HeraldError(.invalidField, "type is required") }
        draft = try NotificationDraft(
            user: user,
            id: try fields.string("id"),
            type: type,
            title: try fields.string("title"),
            body: try fields.string("body"),
            data: try fields.object("data") ?? [:],
            tags: try fields.strings("tags") ?? [],
            ttlSeconds: try fields.integer("ttl_seconds"))
    }
}
