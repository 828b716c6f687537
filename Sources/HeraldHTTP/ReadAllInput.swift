import HeraldCore

/// Optional body of read-all: `{"type": "…"}`, `{"tag": "…"}` or both (a notification must match
/// both). Any other member is refused: ignoring a misspelt filter would mark every notification read.
struct ReadAllInput: JSONReadable {
    var type: String?
    var tag: String?

    init(json: JSONValue) throws(HeraldError) {
        let fields = try JSONFields(json, notAnObject: "body must be a JSON object")
        try fields.refuseOthers(than: ["type", "tag"], in: "read-all")
        type = try fields["type"].string()
        tag = try fields["tag"].string()
        if let type, !NotificationDraft.isValidType(type) {
            throw HeraldError(.invalidField, "type must be 1-\(NotificationDraft.maximumTypeLength) characters")
        }
        if let tag, !NotificationDraft.isValidTag(tag) {
            throw HeraldError(.invalidField, "tag must be 1-\(NotificationDraft.maximumTagLength) characters")
        }
    }
}
