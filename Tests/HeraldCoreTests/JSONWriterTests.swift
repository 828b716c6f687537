import Foundation
import HeraldCore
import Testing

/// `JSONWriter` must produce exactly what `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]`
/// produces: stored rows, cache entries and responses must not change with the faster encoder.
struct JSONWriterTests {
    static func encoded(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static let awkwardStrings = [
        "", "plain", "quote \" backslash \\ slash / end", "tab\tnewline\ncr\rback\u{8}form\u{C}",
        "controls \u{0}\u{1}\u{1F}\u{7F}", "unicode é 日本 😀 \u{2028}\u{2029}", "<script>&amp;</script>",
    ]

    static let awkwardData: [String: JSONValue] = [
        "b": .int(-42), "a": .string("x/y"), "Z": .bool(true), "é": .null, "😀": .double(0.1), "aa": .double(1.0),
        "big": .double(1e300), "small": .double(-2.5e-8), "max": .int(.max), "min": .int(.min),
        "nested": .object([
            "z": .array([.int(1), .string("\n"), .object([:]), .array([])]), "a": .object(["k": .null]),
        ]),
        "10": .int(0), "1": .double(123456789.125), "_": .string(""),
    ]

    @Test func notificationsMatchJSONEncoderByteForByte() throws {
        for (index, text) in Self.awkwardStrings.enumerated() {
            let notification = Notification(
                id: "id-\(index)", user: "u@example.com", type: text.isEmpty ? "t" : text, title: text,
                body: index % 2 == 0 ? nil : text,
                data: index == 0 ? [:] : NotificationData(Self.awkwardData.merging([text: .string(text)]) { $1 }),
                tags: [text, "a"], createdAt: Timestamp(milliseconds: 1_795_000_000_123),
                expiresAt: Timestamp(milliseconds: 1_797_000_000_000),
                readAt: index % 3 == 0 ? nil : Timestamp(milliseconds: 5), seenAt: nil,
                archivedAt: index % 2 == 0 ? Timestamp(milliseconds: -1) : nil)
            #expect(String(decoding: notification.jsonBytes, as: UTF8.self) == (try Self.encoded(notification)))
            // The data a draft rendered once, written as is, gives the same bytes.
            let draft = try NotificationDraft(
                user: "u1", id: nil, type: "t", title: nil, body: nil, data: notification.data.members, tags: [],
                ttlSeconds: nil)
            var fromDraft = notification
            fromDraft.data = draft.data
            #expect(String(decoding: fromDraft.jsonBytes, as: UTF8.self) == (try Self.encoded(notification)))
        }
    }

    @Test func countsAndValuesMatchJSONEncoder() throws {
        let counts = Counts(user: "u/1", unread: 1_000_000, unseen: 0, seq: 41)
        #expect(String(decoding: counts.jsonBytes, as: UTF8.self) == (try Self.encoded(counts)))
        for (key, value) in Self.awkwardData {
            var writer = JSONWriter()
            writer.object([key: value])
            #expect(writer.string == (try Self.encoded([key: value])), "\(key)")
        }
    }

    @Test func eventPayloadsAreSortedOneLineJSON() throws {
        let counts = Counts(user: "u1", unread: 3, unseen: 5, seq: 41)
        let notification = Notification(
            id: "n1", user: "u1", type: "t", title: nil, body: nil, data: [:], tags: [],
            createdAt: Timestamp(milliseconds: 0), expiresAt: Timestamp(milliseconds: 1000),
            readAt: Timestamp(milliseconds: 10), archivedAt: Timestamp(milliseconds: 20))
        #expect(EventPayload.snapshot(counts) == #"{"seq":41,"unread":3,"unseen":5,"user":"u1"}"#)
        #expect(EventPayload.bulk(updated: 7, counts: counts) == #"{"seq":41,"unread":3,"unseen":5,"updated":7}"#)
        #expect(EventPayload.removed(id: "n1", counts: counts) == #"{"id":"n1","seq":41,"unread":3,"unseen":5}"#)
        #expect(
            EventPayload.changed(.read, notification, counts: counts)
                == #"{"id":"n1","read_at":"1970-01-01T00:00:00.010Z","seq":41,"unread":3,"unseen":5}"#)
        #expect(
            EventPayload.changed(.unarchive, notification, counts: counts)
                == #"{"archived_at":"1970-01-01T00:00:00.020Z","id":"n1","seq":41,"unread":3,"unseen":5}"#)
        #expect(
            EventPayload.created(notification, counts: counts)
                == #"{"notification":\#(try Self.encoded(notification)),"seq":41,"unread":3,"unseen":5}"#)
    }
}
