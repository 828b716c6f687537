/// A notification's `data`: a JSON object, kept as its JSON text, which is what Herald stores,
/// sends in events and answers; its members are parsed only when asked for.
///
/// Lists read every row's `data` from SQLite and write it into the answer: parsing each into a
/// dictionary only to write it out again took a fifth of a list's server CPU (`perf`, and a
/// throwaway build without it; `bench/HISTORY.md`).
///
/// Two values are equal when they are the same JSON object: their members render the same,
/// whatever their texts' spacing or key order (and `1` equals `1.0`, which renders as `1`).
public struct NotificationData: Sendable, Hashable, Codable, ExpressibleByDictionaryLiteral {
    /// The object's JSON: as ``JSONWriter/object(_:)`` writes it (keys sorted by their UTF-8
    /// bytes) when made from members; as stored when read back.
    public let json: String

    /// No members: `{}`.
    public static let empty = NotificationData(checkedJSON: "{}")

    /// The object of `members`, rendered once.
    public init(_ members: [String: JSONValue]) {
        if members.isEmpty {
            self = .empty
            return
        }
        var writer = JSONWriter(capacity: 256)
        writer.object(members)
        json = writer.string
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }

    /// The object in `json`, kept as it is once checked: valid JSON (as ``JSONReader`` reads it),
    /// one object and nothing else, without building its members.
    public init(json: String) throws(JSONReader.Failure) {
        if json == "{}" {
            self = .empty
            return
        }
        let isObject = try JSONReader.read(json.utf8) { reader throws(JSONReader.Failure) in
            try reader.readObject { _, reader throws(JSONReader.Failure) in try reader.skipValue() }
        }
        guard isObject else { throw JSONReader.Failure(offset: 0, reason: "not a JSON object") }
        self.json = json
    }

    private init(checkedJSON json: String) { self.json = json }

    /// The members, parsed from ``json`` on every call.
    public var members: [String: JSONValue] { (try? JSONReader.parse(json.utf8))?.objectMembers ?? [:] }

    /// One member's value, parsed from ``json``.
    public subscript(name: String) -> JSONValue? { members[name] }

    public var isEmpty: Bool { json == "{}" || members.isEmpty }

    /// ``json`` as ``init(_:)`` renders it from the members.
    private var canonicalJSON: String { NotificationData(members).json }

    public static func == (lhs: NotificationData, rhs: NotificationData) -> Bool {
        lhs.json == rhs.json || lhs.canonicalJSON == rhs.canonicalJSON
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(canonicalJSON) }

    public init(from decoder: any Decoder) throws {
        self.init(try [String: JSONValue](from: decoder))
    }

    public func encode(to encoder: any Encoder) throws { try members.encode(to: encoder) }
}
