import Foundation
import HeraldCore
import Testing

/// ``Notification/init(json:)`` reads back exactly what ``Notification/write(to:)`` wrote, and
/// nothing that is not a notification's JSON; ``NotificationJSON`` keeps it as written.
struct NotificationJSONReadingTests {
    private func json(_ notification: HeraldCore.Notification) -> [UInt8] {
        var writer = JSONWriter()
        notification.write(to: &writer)
        return writer.bytes
    }

    @Test func readsBackWhatWasWritten() {
        var generator = SystemRandomNumberGenerator()
        for index in 0..<300 {
            let stamp = { Timestamp(milliseconds: Int64.random(in: 0...4_102_444_799_999, using: &generator)) }
            let optionalStamp = { Bool.random(using: &generator) ? stamp() : nil }
            var data: [String: JSONValue] = [:]
            for key in 0..<Int.random(in: 0..<4, using: &generator) {
                data["k\(key)"] = JSONReaderTests.randomValue(depth: 1, using: &generator)
            }
            let notification = HeraldCore.Notification(
                id: "n\(index)", user: "u.\(index)@x", type: "t\u{e9}", title: Bool.random() ? nil : "ti\"tle",
                body: Bool.random() ? nil : "b\nody", data: NotificationData(data),
                tags: Bool.random() ? [] : ["a", "\u{1F600}"],
                createdAt: stamp(), expiresAt: stamp(), readAt: optionalStamp(), seenAt: optionalStamp(),
                archivedAt: optionalStamp())
            #expect(HeraldCore.Notification(json: json(notification)) == notification, "\(notification)")
            let kept = NotificationJSON(json(notification))
            #expect(kept?.bytes == json(notification))
            #expect(
                kept?.id == notification.id && kept?.user == notification.user
                    && kept?.expiresAt == notification.expiresAt, "\(notification)")
        }
    }

    @Test(arguments: [
        "", "[]", "{}", #"{"id":"a"}"#,
        #"{"archived_at":null,"body":null,"created_at":"2026-11-21T10:00:00.000Z","data":{},"expires_at":"x","id":"a","read_at":null,"seen_at":null,"tags":[],"title":null,"type":"t","user":"u"}"#,
        #"{"archived_at":null,"body":5,"created_at":"2026-11-21T10:00:00.000Z","data":{},"expires_at":"2026-11-21T10:00:00.000Z","id":"a","read_at":null,"seen_at":null,"tags":[],"title":null,"type":"t","user":"u"}"#,
        #"{"archived_at":null,"body":null,"created_at":"2026-11-21T10:00:00.000Z","data":{},"expires_at":"2026-11-21T10:00:00.000Z","id":"a","seen_at":null,"tags":[],"title":null,"type":"t","user":"u"}"#,
    ])
    func refusesWhatIsNotANotification(_ text: String) {
        #expect(HeraldCore.Notification(json: Array(text.utf8)) == nil)
    }

    /// ``NotificationJSON`` takes only the writer's members in the writer's order, valid JSON
    /// throughout, and string `id`, `user` and `expires_at`.
    @Test(arguments: [
        "", "[]", "{}", #"{"id":"a"}"#,
        // expires_at not a time
        #"{"archived_at":null,"body":null,"created_at":"2026-11-21T10:00:00.000Z","data":{},"expires_at":"x","id":"a","read_at":null,"seen_at":null,"tags":[],"title":null,"type":"t","user":"u"}"#,
        // read_at missing
        #"{"archived_at":null,"body":null,"created_at":"2026-11-21T10:00:00.000Z","data":{},"expires_at":"2026-11-21T10:00:00.000Z","id":"a","seen_at":null,"tags":[],"title":null,"type":"t","user":"u"}"#,
        // id and user swapped in order
        #"{"archived_at":null,"body":null,"created_at":"2026-11-21T10:00:00.000Z","data":{},"expires_at":"2026-11-21T10:00:00.000Z","user":"u","read_at":null,"seen_at":null,"tags":[],"title":null,"type":"t","id":"a"}"#,
        // a member more
        #"{"archived_at":null,"body":null,"created_at":"2026-11-21T10:00:00.000Z","data":{},"expires_at":"2026-11-21T10:00:00.000Z","id":"a","read_at":null,"seen_at":null,"tags":[],"title":null,"type":"t","user":"u","v":1}"#,
        // id not a string
        #"{"archived_at":null,"body":null,"created_at":"2026-11-21T10:00:00.000Z","data":{},"expires_at":"2026-11-21T10:00:00.000Z","id":7,"read_at":null,"seen_at":null,"tags":[],"title":null,"type":"t","user":"u"}"#,
        // invalid JSON inside data, and after the object
        #"{"archived_at":null,"body":null,"created_at":"2026-11-21T10:00:00.000Z","data":{"k":[1,]},"expires_at":"2026-11-21T10:00:00.000Z","id":"a","read_at":null,"seen_at":null,"tags":[],"title":null,"type":"t","user":"u"}"#,
        #"{"archived_at":null,"body":null,"created_at":"2026-11-21T10:00:00.000Z","data":{},"expires_at":"2026-11-21T10:00:00.000Z","id":"a","read_at":null,"seen_at":null,"tags":[],"title":null,"type":"t","user":"u"}x"#,
    ])
    func keepsOnlyANotificationsJSON(_ text: String) {
        #expect(NotificationJSON(Array(text.utf8)) == nil)
    }
}
