import Foundation
import HeraldCore
import Testing

@testable import HeraldHTTP

/// The response bodies that write themselves with `JSONWriter` (what `JSONIO.response` sends) must
/// write exactly what their `Encodable` form gives `JSONEncoder` with `[.sortedKeys,
/// .withoutEscapingSlashes]`: the two are one contract written twice.
struct ResponseBodyJSONTests {
    static func encoded(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func written(_ value: some JSONWritable) -> String { String(decoding: value.jsonBytes, as: UTF8.self) }

    static let counts = Counts(user: "u/1", unread: 3, unseen: 5, seq: 41)

    static func notification(_ id: String, title: String? = "Your order \"1/2\" shipped") -> HeraldCore.Notification {
        Notification(
            id: id, user: "u/1", type: "order.shipped", title: title, body: nil,
            data: ["order_id": .int(1234), "path": .string("a/b")], tags: ["orders"],
            createdAt: Timestamp(milliseconds: 1_795_000_000_123),
            expiresAt: Timestamp(milliseconds: 1_797_000_000_000),
            readAt: nil, seenAt: Timestamp(milliseconds: 1_795_000_000_456), archivedAt: nil)
    }

    @Test func singleNotificationAnswersAndCounts() throws {
        let plain = NotificationWithCounts(notification: Self.notification("a"), counts: Self.counts)
        #expect(Self.written(plain) == (try Self.encoded(plain)))
        // The notification's JSON rendered for its event, written as is, gives the same bytes.
        let rendered = NotificationWithCounts(
            notification: Self.notification("a"), counts: Self.counts,
            notificationJSON: ArraySlice(Self.notification("a").jsonBytes))
        #expect(Self.written(rendered) == (try Self.encoded(plain)))
        let countsOnly = CountsOnly(counts: Self.counts)
        #expect(Self.written(countsOnly) == (try Self.encoded(countsOnly)))
    }

    @Test func listsWithAndWithoutANextCursor() throws {
        var page = NotificationList(NotificationPage(notifications: [], nextPosition: nil))
        #expect(Self.written(page) == (try Self.encoded(page)))
        #expect(Self.written(page).contains(#""next_cursor":null"#))
        page.notifications = [Self.notification("b"), Self.notification("a", title: nil)]
        page.nextCursor = "MTIz_-"
        #expect(Self.written(page) == (try Self.encoded(page)))
    }

    @Test func errorsAndBatchResults() throws {
        let error = ErrorBody(error: .init(code: "invalid_field", message: "title must be at most 256 \"characters\""))
        #expect(Self.written(error) == (try Self.encoded(error)))
        let batch = BatchResponse(results: [
            BatchResult(status: 201, notification: Self.notification("a"), error: nil, notificationJSON: nil),
            BatchResult(
                status: 200, notification: Self.notification("b"), error: nil,
                notificationJSON: ArraySlice(Self.notification("b").jsonBytes)),
            BatchResult(status: 409, notification: nil, error: error.error, notificationJSON: nil),
        ])
        #expect(Self.written(batch) == (try Self.encoded(batch)))
        #expect(Self.written(BatchResponse(results: [])) == (try Self.encoded(BatchResponse(results: []))))
    }
}
