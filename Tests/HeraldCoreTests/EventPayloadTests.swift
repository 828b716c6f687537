import Foundation
import HeraldCore
import Testing

@Suite struct EventPayloadTests {
    let counts = Counts(user: "u1", unread: 3, unseen: 5, seq: 41)

    func object(_ text: String) throws -> [String: Any] {
        #expect(!text.contains("\n"))
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func everyPayloadCarriesSeqAndCounts() throws {
        let notification = Notification(
            id: "n1", user: "u1", type: "t", title: "line1\nline2", body: nil, data: ["k": .int(1)], tags: ["a"],
            createdAt: Timestamp(milliseconds: 0), expiresAt: Timestamp(milliseconds: 1000))
        let payloads = [
            EventPayload.snapshot(counts), EventPayload.created(notification, counts: counts),
            EventPayload.changed(.read, notification, counts: counts), EventPayload.removed(id: "n1", counts: counts),
            EventPayload.bulk(updated: 7, counts: counts),
        ]
        for payload in payloads {
            let json = try object(payload)
            #expect(json["seq"] as? Int == 41)
            #expect(json["unread"] as? Int == 3)
            #expect(json["unseen"] as? Int == 5)
        }
        #expect(try object(payloads[0])["user"] as? String == "u1")
        #expect(try object(payloads[4])["updated"] as? Int == 7)
    }

    @Test func unreadEventReportsExplicitNullReadAt() throws {
        let notification = Notification(
            id: "n1", user: "u1", type: "t", title: nil, body: nil, data: [:], tags: [],
            createdAt: Timestamp(milliseconds: 0), expiresAt: Timestamp(milliseconds: 1000))
        let json = try object(EventPayload.changed(.unread, notification, counts: counts))
        #expect(json["id"] as? String == "n1")
        #expect(json.keys.contains("read_at"))
        #expect(json["read_at"] is NSNull)
    }

    @Test func deltaBetweenSnapshots() {
        let after = Counts(user: "u1", unread: 2, unseen: 5, seq: 43)
        let delta = CountsDelta(from: counts, to: after)
        #expect(delta == CountsDelta(user: "u1", unread: -1, unseen: 0, events: 2, seqAfter: 43))
        #expect(!delta.isEmpty)
    }
}
