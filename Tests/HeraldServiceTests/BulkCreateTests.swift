import Foundation
import GRDB
import HeraldCore
import HeraldSQLite
import HeraldTestSupport
import Testing

/// A batch's runs of server-made ids are written together; the outcome must be what the same
/// creates give one at a time.
@Suite(.timeLimit(.minutes(1)))
struct BulkCreateTests {
    let directory: URL
    let now = Timestamp(milliseconds: 1_800_000_000_000)

    init() throws {
        directory = try makeTemporaryDirectory("bulk")
    }

    func store(_ name: String) throws -> SQLiteStore {
        try SQLiteStore(path: directory.appendingPathComponent("\(name).sqlite").path)
    }

    /// 250 creates for three users: runs of server-made ids longer than one statement's rows, cut
    /// by a client's ids (new, replayed and conflicting), for users with and without earlier rows.
    func drafts() throws -> [NotificationDraft] {
        try (0..<250).map { index in
            let user = ["u1", "u2", "u3"][index * 7 % 3]
            switch index {
            case 40: return try ServiceHarness.draft(user: "u1", id: "mine")
            case 41: return try ServiceHarness.draft(user: "u1", id: "mine")  // replay
            case 180: return try ServiceHarness.draft(user: "u1", id: "mine", type: "other")  // conflict
            case 181: return try ServiceHarness.draft(user: "u2", id: "old")  // replay of an earlier row
            default: return try ServiceHarness.draft(user: user, title: "n\(index)")
            }
        }
    }

    /// What distinguishes outcomes apart from the server-made ids.
    func summary(_ outcome: CreateOutcome) -> String {
        switch outcome {
        case .created(let change):
            #expect(change.event.seq == change.counts.seq && change.delta.seqAfter == change.counts.seq)
            #expect(change.notificationJSON.map(Array.init) == rendered(change.notification))
            return "created \(change.counts) \(change.notification.title ?? "")"
        case .replayed(let notification, let counts): return "replayed \(notification.id) \(counts)"
        case .conflict: return "conflict"
        }
    }

    /// What answers wrote for a notification before they reused its event's rendering: `data`
    /// rendered again from its members, too.
    func rendered(_ notification: HeraldCore.Notification) -> [UInt8] {
        var fresh = notification
        fresh.data = NotificationData(notification.data.members)
        return fresh.jsonBytes
    }

    /// Answers write a new notification from the JSON its event holds: alone and in a batch, that is
    /// byte for byte what rendering it gives, with data, tags and text that needs escaping.
    @Test func aCreatedChangeCarriesItsNotificationAsRenderedForTheAnswer() async throws {
        let store = try store("rendered")
        let data: [String: JSONValue] = [
            "nested": .object(["list": .array([.int(1), .double(2.5), .string("two"), .null, .bool(true)])]),
            "quote": .string("say \"hi\"\n"),
        ]
        let drafts = try (0..<3).map { index in
            try NotificationDraft(
                user: "u\(index % 2)", id: index == 0 ? "client-id" : nil, type: "t", title: "é \u{1F600} <\(index)>",
                body: "line\nbreak", data: data, tags: ["a", "b\\c"], ttlSeconds: 600)
        }
        let alone = try await store.create([drafts[0]], defaultTTLSeconds: 60, now: now)
        let together = try await store.create(Array(drafts[1...]), defaultTTLSeconds: 60, now: now)
        for (outcome, draft) in zip(alone + together, drafts) {
            guard case .created(let change) = outcome else {
                Issue.record("expected a create, got \(outcome)")
                continue
            }
            let json = try #require(change.notificationJSON)
            #expect(change.notification.data.json == draft.dataJSON)
            #expect(Array(json) == rendered(change.notification))
        }
    }

    @Test func aBatchEndsAsTheSameCreatesOneAtATime() async throws {
        let (together, oneByOne) = (try store("together"), try store("one-by-one"))
        for store in [together, oneByOne] {
            _ = try await store.create(
                [try ServiceHarness.draft(user: "u2", id: "old")], defaultTTLSeconds: 60, now: now)
        }
        let drafts = try drafts()
        let batch = try await together.create(drafts, defaultTTLSeconds: 60, now: now)
        var single: [CreateOutcome] = []
        for draft in drafts {
            single += try await oneByOne.create([draft], defaultTTLSeconds: 60, now: now)
        }
        #expect(batch.map(summary) == single.map(summary))

        for user in ["u1", "u2", "u3"] {
            let counts = try await together.counts(user: user)
            #expect(counts == (try await oneByOne.counts(user: user)))
            // Every user's events are gapless, stored as returned, in the batch's order.
            let stored = try await together.events(user: user, after: 0, limit: 1000)
            #expect(stored.map(\.seq) == Array(1...counts.seq))
            let returned = batch.compactMap { outcome -> UserEvent? in
                guard case .created(let change) = outcome, change.counts.user == user else { return nil }
                return change.event
            }
            #expect(Array(stored.suffix(returned.count)) == returned)
            let page = try await together.list(NotificationQuery(user: user, limit: 100), now: now)
            #expect(page.notifications.count == min(100, Int(counts.unread)))
        }
        let rows = try await together.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notification") }
        #expect(rows == 1 + 250 - 3)
    }

    /// Every column of the rows written together holds what the draft said: text outside ASCII,
    /// absent and present titles and bodies, data and tags, each row read back by its id.
    @Test func rowsWrittenTogetherHoldEveryValue() async throws {
        let store = try store("values")
        var drafts: [NotificationDraft] = []
        for index in 0..<150 {
            let title: String? = index % 5 == 0 ? nil : "Grüße 📬 \(index)"
            let body: String? = index % 2 == 0 ? nil : "body \"quoted\"\n\\ \(index)"
            let data: [String: JSONValue] = [
                "n": .int(Int64(index)), "s": .string("ünï \(index)"), "a": .array([.bool(true), .null]),
            ]
            let tags: [String] = index % 3 == 0 ? [] : ["t\(index % 7)", "x"]
            drafts.append(
                try NotificationDraft(
                    user: "v\(index % 4)", id: nil, type: "type-\(index % 3)", title: title, body: body, data: data,
                    tags: tags, ttlSeconds: 600))
        }
        let outcomes = try await store.create(drafts, defaultTTLSeconds: 60, now: now)
        #expect(outcomes.count == 150)
        for (draft, outcome) in zip(drafts, outcomes) {
            guard case .created(let change) = outcome else {
                Issue.record("not created: \(outcome)")
                continue
            }
            let stored = try await store.notification(user: draft.user, id: change.notification.id, now: now)
            #expect(stored == change.notification)
            #expect(stored?.title == draft.title && stored?.body == draft.body && stored?.tags == draft.tags)
            #expect(stored?.data == draft.data)
        }
    }
}
