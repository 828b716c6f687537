import HeraldCore

/// Optional body of read-all: `{"type": "…"}` or `{"tag": "…"}`.
struct ReadAllInput: JSONReadable {
    var type: String?
    var tag: String?

    init(json: JSONValue) throws(HeraldError) {
        let fields = try JSONFields(json, notAnObject: "body must be a JSON object")
        type = try fields["type"].string()
        tag = try fields["tag"].string()
    }
}
