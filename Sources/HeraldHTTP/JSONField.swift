import HeraldCore

/// One member of a JSON object body, read with a typed accessor. A missing member and an explicit
/// `null` both read as nil; a member of the wrong type is an `invalid_field` error naming it.
struct JSONField {
    /// The member's key, for error messages.
    let name: String
    private let value: JSONValue?

    init(_ name: String, _ value: JSONValue?) {
        self.name = name
        self.value = value == .null ? nil : value
    }

    private func wrongType(_ what: String) -> HeraldError {
        HeraldError(.invalidField, "\(name) must be \(what)")
    }

    func string() throws(HeraldError) -> String? {
        guard let value else { return nil }
        guard case .string(let text) = value else { throw wrongType("a string") }
        return text
    }

    /// A string that is to be an identifier (`user`, `id`): any other type is `invalid_id`, as
    /// API.md has for anything but 1–128 of its characters, rather than `invalid_field`. Whether
    /// the string's characters are an identifier's is the caller's to check.
    func identifier() throws(HeraldError) -> String? {
        guard let value else { return nil }
        guard case .string(let text) = value else {
            throw HeraldError(.invalidID, "\(name) must be a string of 1-128 characters from [A-Za-z0-9._:@-]")
        }
        return text
    }

    /// An integer; a number with a fraction of zero (`5.0`, `1e3`) counts as one. One beyond Int64
    /// (`99999999999999999999`, `1e30`) reads as Int64's end on its side, so the caller's range check
    /// names the range rather than this saying it is no integer.
    func integer() throws(HeraldError) -> Int64? {
        switch value {
        case nil: return nil
        case .int(let number): return number
        case .double(let number) where number.rounded() == number:
            return abs(number) < 9.2e18 ? Int64(number) : number < 0 ? .min : .max
        case .bigInteger(let digits): return digits.hasPrefix("-") ? .min : .max
        default: throw wrongType("an integer")
        }
    }

    /// An RFC 3339 date-time string (`Z` or an offset), such as `2026-11-21T10:00:00.123Z`.
    func timestamp() throws(HeraldError) -> Timestamp? {
        guard let text = try string() else { return nil }
        guard let instant = Timestamp(rfc3339: text) else {
            throw wrongType("an RFC 3339 date-time such as 2026-11-21T10:00:00.123Z")
        }
        return instant
    }

    func object() throws(HeraldError) -> [String: JSONValue]? {
        guard let value else { return nil }
        guard let members = value.objectMembers else { throw wrongType("a JSON object") }
        return members
    }

    func strings() throws(HeraldError) -> [String]? {
        guard let value else { return nil }
        guard let strings = value.strings else { throw wrongType("an array of strings") }
        return strings
    }
}
