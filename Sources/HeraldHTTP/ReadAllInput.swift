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
        try NotificationDraft.checkFilter(type: type, tag: tag, code: .invalidField)
    }
}
