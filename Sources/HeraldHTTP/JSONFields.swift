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

    /// Throws `invalid_field` naming a member that is not one of `known` (the first in sorted order,
    /// its name cut to 64 characters): for bodies where a misspelt member would silently widen what
    /// the request does. With no `known` members, the body of a route that takes none.
    /// - Parameter note: said in parentheses after what `what` takes.
    func refuseOthers(than known: Set<String>, in what: String, note: String? = nil) throws(HeraldError) {
        guard let unknown = members.keys.filter({ !known.contains($0) }).min() else { return }
        let takes = known.isEmpty ? "no members" : "only \(known.sorted().joined(separator: ", "))"
        let aside = note.map { " (\($0))" } ?? ""
        throw HeraldError(.invalidField, "\(what) takes \(takes)\(aside); unknown member: \(unknown.prefix(64))")
    }
}
