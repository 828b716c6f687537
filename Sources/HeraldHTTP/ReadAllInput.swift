import HeraldCore

/// Optional body of read-all: `{"type": "…"}`, `{"tag": "…"}` or both (a notification must match
/// both). Any other member, or a filter that is null, is refused: ignoring a misspelt filter would
/// mark every notification read.
struct ReadAllInput: JSONReadable {
    var type: String?
    var tag: String?

    init(json: JSONValue) throws(HeraldError) {
        let fields = try JSONFields(json, notAnObject: "body must be a JSON object")
        try fields.refuseOthers(than: ["type", "tag"], in: "read-all")
        // A filter whose value came out null (`{"type": filter}` with no filter chosen) is refused
        // too: read as absent, it marked every notification read.
        for name in ["type", "tag"] where fields.members[name] == .null {
            throw HeraldError(
                .invalidField, "\(name) must be a string, not null (leave it out to mark every notification read)")
        }
        type = try fields["type"].string()
        tag = try fields["tag"].string()
        try NotificationDraft.checkFilter(type: type, tag: tag, code: .invalidField)
    }
}
