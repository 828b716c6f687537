import HeraldCore

/// The members of a JSON object body, each read through a ``JSONField``.
struct JSONFields {
    let members: [String: JSONValue]

    /// Throws `invalid_field` with `message` unless `json` is an object.
    init(_ json: JSONValue, notAnObject message: String) throws(HeraldError) {
        guard let members = json.objectMembers else { throw HeraldError(.invalidField, message) }
        self.members = members
    }

    subscript(key: String) -> JSONField { JSONField(key, members[key]) }
}
