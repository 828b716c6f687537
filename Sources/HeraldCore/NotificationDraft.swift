/// A validated request to create a notification.
public struct NotificationDraft: Sendable, Hashable {
    public var user: String
    /// The client's id, or nil to let the server make one.
    public var id: String?
    public var type: String
    public var title: String?
    public var body: String?
    /// Rendered once by ``JSONWriter`` (sorted keys): the stored column, the
    /// `notification.created` event and the create's answer all reuse its JSON.
    public let data: NotificationData
    /// `data` as JSON.
    public var dataJSON: String { data.json }
    public var tags: [String]
    /// Lifetime in seconds, or nil for ``expiresAt`` or else the configured default.
    public var ttlSeconds: Int64?
    /// When it expires, given instead of ``ttlSeconds``; nil for the lifetime.
    public var expiresAt: Timestamp?

    public static let maximumTypeLength = 64
    public static let maximumTitleLength = 256
    public static let maximumBodyLength = 4096
    public static let maximumDataBytes = 8 * 1024
    public static let maximumTags = 16
    public static let maximumTagLength = 64
    /// The longest accepted lifetime: ten years.
    public static let maximumTTLSeconds: Int64 = 10 * 365 * 24 * 3600

    /// Creates a draft, enforcing every limit of the API (`data` by the size of its JSON; an
    /// `expiresAt` after `now`, at most ``maximumTTLSeconds`` ahead, and not with a `ttlSeconds`).
    public init(
        user: String, id: String?, type: String, title: String?, body: String?,
        data: [String: JSONValue], tags: [String], ttlSeconds: Int64?, expiresAt: Timestamp? = nil,
        now: @autoclosure () -> Timestamp = .now()
    ) throws(HeraldError) {
        try Identifier.validate(user, what: "user")
        if let id { try Identifier.validate(id, what: "id") }
        guard Self.isValidType(type) else {
            throw HeraldError(.invalidField, "type is required and must be 1-\(Self.maximumTypeLength) characters")
        }
        if let title, Self.length(title) > Self.maximumTitleLength {
            throw HeraldError(.invalidField, "title must be at most \(Self.maximumTitleLength) characters")
        }
        if let body, Self.length(body) > Self.maximumBodyLength {
            throw HeraldError(.invalidField, "body must be at most \(Self.maximumBodyLength) characters")
        }
        let rendered = NotificationData(data)
        guard rendered.json.utf8.count <= Self.maximumDataBytes else {
            throw HeraldError(.invalidField, "data must serialize to at most \(Self.maximumDataBytes) bytes")
        }
        guard tags.count <= Self.maximumTags else {
            throw HeraldError(.invalidField, "tags must have at most \(Self.maximumTags) entries")
        }
        for tag in tags where !Self.isValidTag(tag) {
            throw HeraldError(.invalidField, "each tag must be 1-\(Self.maximumTagLength) characters")
        }
        // SQLite stores U+0000 in text, but reading the text back ends it there: refused, not cut.
        try Self.rejectNUL(type, "type")
        try Self.rejectNUL(title, "title")
        try Self.rejectNUL(body, "body")
        for tag in tags { try Self.rejectNUL(tag, "each tag") }
        if let ttlSeconds, !(1...Self.maximumTTLSeconds).contains(ttlSeconds) {
            throw HeraldError(.invalidField, "ttl_seconds must be between 1 and \(Self.maximumTTLSeconds)")
        }
        if let expiresAt {
            guard ttlSeconds == nil else {
                throw HeraldError(.invalidField, "give ttl_seconds or expires_at, not both")
            }
            let now = now()
            guard now < expiresAt, expiresAt <= now.adding(seconds: Self.maximumTTLSeconds) else {
                throw HeraldError(.invalidField, "expires_at must be in the future, at most 10 years ahead")
            }
        }
        self.user = user
        self.id = id
        self.type = type
        self.title = title
        self.body = body
        self.data = rendered
        self.tags = tags
        self.ttlSeconds = ttlSeconds
        self.expiresAt = expiresAt
    }

    /// A text's length in characters, as the API's limits count them: Unicode code points, as JSON
    /// Schema's `maxLength` in `openapi.yaml` (and Python's `len`, Go's rune count) does. Swift's
    /// `count` gives grapheme clusters, under which one "character" with thousands of combining
    /// marks passed as one, and `e` + U+0301 twice as two where the schema says four.
    public static func length(_ text: String) -> Int { text.unicodeScalars.count }

    /// A `type` of 1 to ``maximumTypeLength`` characters (also the rule of read-all's filter).
    public static func isValidType(_ type: String) -> Bool { (1...maximumTypeLength).contains(length(type)) }

    /// A tag of 1 to ``maximumTagLength`` characters (also the rule of read-all's filter).
    public static func isValidTag(_ tag: String) -> Bool { (1...maximumTagLength).contains(length(tag)) }

    /// Why a filter by `type` and `tag` (read-all's body, a list's query) could match no
    /// notification, for an error with `code`; nothing when each given one is valid.
    public static func checkFilter(type: String?, tag: String?, code: HeraldError.Code) throws(HeraldError) {
        if let type, !isValidType(type) {
            throw HeraldError(code, "type must be 1-\(maximumTypeLength) characters")
        }
        if let tag, !isValidTag(tag) {
            throw HeraldError(code, "tag must be 1-\(maximumTagLength) characters")
        }
    }

    private static func rejectNUL(_ value: String?, _ what: String) throws(HeraldError) {
        guard let value, value.utf8.contains(0) else { return }
        throw HeraldError(.invalidField, "\(what) must not contain U+0000")
    }
}
