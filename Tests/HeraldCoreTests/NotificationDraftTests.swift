import HeraldCore
import Testing

@Suite struct NotificationDraftTests {
    func draft(
        user: String = "u1", id: String? = nil, type: String = "t", title: String? = nil, body: String? = nil,
        dataSize: Int = 2, tags: [String] = [], ttl: Int64? = nil
    ) throws(HeraldError) -> NotificationDraft {
        try NotificationDraft(
            user: user, id: id, type: type, title: title, body: body, data: Self.data(ofJSONSize: dataSize),
            tags: tags, ttlSeconds: ttl)
    }

    /// `{}`, or `{"k":"xx…"}` with as many bytes of JSON as asked (at least 8).
    static func data(ofJSONSize size: Int) -> [String: JSONValue] {
        size == 2 ? [:] : ["k": .string(String(repeating: "x", count: size - 8))]
    }

    func code(_ body: () throws -> Void) -> HeraldError.Code? {
        do {
            try body()
            return nil
        } catch {
            return (error as? HeraldError)?.code
        }
    }

    @Test func acceptsLimitsExactly() throws {
        _ = try draft(
            type: String(repeating: "t", count: 64), title: String(repeating: "a", count: 256),
            body: String(repeating: "b", count: 4096), dataSize: 8192,
            tags: (0..<16).map { _ in String(repeating: "g", count: 64) }, ttl: 1)
    }

    @Test func dataIsRenderedOnceWithSortedKeysAndMeasuredByThatJSON() throws {
        let data: [String: JSONValue] = ["b": .int(1), "a": .string("ü\"x"), "c": .array([.null, .bool(true)])]
        let rendered = try NotificationDraft(
            user: "u1", id: nil, type: "t", title: nil, body: nil, data: data, tags: [], ttlSeconds: nil)
        #expect(rendered.dataJSON == #"{"a":"ü\"x","b":1,"c":[null,true]}"#)
        #expect(try draft().dataJSON == "{}")
        #expect(try draft(dataSize: 8192).dataJSON.utf8.count == 8192)
    }

    @Test func rejectsEachLimitByOne() {
        #expect(code { _ = try draft(user: "bad user") } == .invalidID)
        #expect(code { _ = try draft(id: "bad/id") } == .invalidID)
        #expect(code { _ = try draft(type: "") } == .invalidField)
        #expect(code { _ = try draft(type: String(repeating: "t", count: 65)) } == .invalidField)
        #expect(code { _ = try draft(title: String(repeating: "a", count: 257)) } == .invalidField)
        #expect(code { _ = try draft(body: String(repeating: "b", count: 4097)) } == .invalidField)
        #expect(code { _ = try draft(dataSize: 8193) } == .invalidField)
        #expect(code { _ = try draft(tags: Array(repeating: "x", count: 17)) } == .invalidField)
        #expect(code { _ = try draft(tags: [String(repeating: "g", count: 65)]) } == .invalidField)
        #expect(code { _ = try draft(tags: [""]) } == .invalidField)
        #expect(code { _ = try draft(ttl: 0) } == .invalidField)
        #expect(code { _ = try draft(ttl: -5) } == .invalidField)
    }

    /// `expires_at` must come after the moment of the create, to the millisecond, and at most ten
    /// years (``NotificationDraft/maximumTTLSeconds``) after it; never beside `ttl_seconds`.
    @Test func expiresAtIsAfterNowAndAtMostTheLongestLifeAhead() throws {
        let now = Timestamp(milliseconds: 1_800_000_000_000)
        func draft(expiringAt expiresAt: Timestamp, ttl: Int64? = nil) throws(HeraldError) -> NotificationDraft {
            try NotificationDraft(
                user: "u1", id: nil, type: "t", title: nil, body: nil, data: [:], tags: [], ttlSeconds: ttl,
                expiresAt: expiresAt, now: now)
        }
        let soonest = Timestamp(milliseconds: now.milliseconds + 1)
        let latest = now.adding(seconds: NotificationDraft.maximumTTLSeconds)
        #expect(code { _ = try draft(expiringAt: now) } == .invalidField)
        #expect(try draft(expiringAt: soonest).expiresAt == soonest)
        #expect(try draft(expiringAt: latest).expiresAt == latest)
        #expect(code { _ = try draft(expiringAt: Timestamp(milliseconds: latest.milliseconds + 1)) } == .invalidField)
        #expect(code { _ = try draft(expiringAt: latest, ttl: 60) } == .invalidField)
    }

    /// Text SQLite would give back cut at U+0000 is refused instead; other control characters pass.
    /// Limits count Unicode code points, as `openapi.yaml`'s `maxLength` does, not Swift's grapheme
    /// clusters: `é` written as `e` and a combining accent is two, an emoji flag two, and a letter
    /// with 5,000 combining marks 5,001 (it passed as one).
    @Test func limitsCountCodePoints() throws {
        let composed = "\u{E9}"
        let decomposed = "e\u{301}"
        _ = try draft(
            type: String(repeating: "\u{1F1EB}\u{1F1F7}", count: 32), title: String(repeating: composed, count: 256),
            body: String(repeating: decomposed, count: 2048), tags: [String(repeating: "\u{1F600}", count: 64)])
        #expect(code { _ = try draft(type: String(repeating: "\u{1F1EB}\u{1F1F7}", count: 33)) } == .invalidField)
        #expect(code { _ = try draft(title: String(repeating: decomposed, count: 129)) } == .invalidField)
        #expect(code { _ = try draft(body: String(repeating: decomposed, count: 2049)) } == .invalidField)
        #expect(code { _ = try draft(tags: [String(repeating: decomposed, count: 33)]) } == .invalidField)
        #expect(code { _ = try draft(type: "a" + String(repeating: "\u{301}", count: 5000)) } == .invalidField)
        #expect(NotificationDraft.isValidTag(String(repeating: decomposed, count: 32)))
        #expect(!NotificationDraft.isValidType(String(repeating: decomposed, count: 33)))
    }

    @Test func rejectsNULInText() throws {
        #expect(code { _ = try draft(type: "t\u{0}") } == .invalidField)
        #expect(code { _ = try draft(title: "a\u{0}b") } == .invalidField)
        #expect(code { _ = try draft(body: "\u{0}") } == .invalidField)
        #expect(code { _ = try draft(tags: ["ok", "x\u{0}"]) } == .invalidField)
        _ = try draft(title: "tab\tnew line\n\u{1}", body: "bell\u{7}")
    }
}
