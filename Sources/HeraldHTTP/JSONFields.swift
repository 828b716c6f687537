import HeraldCore

/// The members of a JSON object body, read with typed accessors. A missing member and an explicit
/// `null` both read as nil; a member of the wrong type is an `invalid_field` error naming it.
struct JSONFields {
    let members: [String: JSONValue]

    /// Throws `invalid_field` with `message` unless `json` is an object.
    init(_ json: JSONValue, notAnObject message: String) throws(HeraldError) {
        guard let members = json.objectMembers else { throw HeraldError(.invalidField, message) }
        self.members = members
    }

    private func present(_ key: String) -> JSONValue? {
        guard let value = members[key], value != .null else { return nil }
        return value
    }

    private func wrongType(_ key: String, _ what: String) -> HeraldError {
        HeraldError(.invalidField, "\(key) must be \(what)")
    }

    func string(_ key: String) throws(HeraldError) -> String? {
        guard let value = present(key) else { return nil }
        guard case .string(let text) = value else { throw wrongType(key, "a string") }
        return text
    }

    /// An integer; a number with a fraction of zero (`5.0`, `1e3`) counts as one.
    func integer(_ key: String) throws(HeraldError) -> Int64? {
        switch present(key) {
        case nil: return nil
        case .int(let number): return number
        case .double(let number) where number.rounded() == number && abs(number) < 9.2e18: return Int64(number)
        default: throw wrongType(key, "an integer")
        }
    }

    func object(_ key: String) throws(HeraldError) -> [String: JSONValue]? {
        guard let value = present(key) else { return nil }
        guard let members = value.objectMembers else { throw wrongType(key, "a JSON object") }
        return members
    }

    func strings(_ key: String) throws(HeraldError) -> [String]? {
        guard let value = present(key) else { return nil }
        guard let strings = value.strings else { throw wrongType(key, "an array of strings") }
        return strings
    }

    func array(_ key: String) -> [JSONValue]? {
        guard case .array(let items) = present(key) else { return nil }
        return items
    }
}
