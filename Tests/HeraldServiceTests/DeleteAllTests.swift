import Foundation
import GRDB
import HeraldCore
import HeraldSQLite
import HeraldTestSupport
import Testing

/// `DELETE /v1/users/{user}/notifications`: every notification of the user and every event of
/// theirs go (the events carry the notifications' content), one `reset` event stays, and the
/// user's seq goes on growing from it.
@Suite(.timeLimit(.minutes(1)))
struct DeleteAllTests {
    let now = Timestamp(milliseconds: 1_800_000_000_000)

    func draft(_ id: String, user: String = "u1", ttl: Int64? = nil) throws -> NotificationDraft {
        try ServiceHarness.draft(user: user, id: id, title: "private \(id)", ttl: ttl)
    }

    /// The names of the user's event rows, in seq order, straight from the table.
    func eventRows(_ store: SQLiteStore, _ user: String) async throws -> [String] {
        try await store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM event WHERE user = ? ORDER BY seq", arguments: [user])
        }
    }

    @Test func everyNotificationAndEventGoesAndOneResetStays() async throws {
        let directory = try makeTemporaryDirectory("delete-all")
        let store = try SQLiteStore(path: directory.appendingPathComponent("s.sqlite").path)
        _ = try await store.create(
            [try draft("a"), try draft("b"), try draft("c"), try draft("gone", ttl: 1)], defaultTTLSeconds: 600,
            now: now)
        _ = try await store.create([try draft("theirs", user: "u2")], defaultTTLSeconds: 600, now: now)
        _ = try await store.change(.read, user: "u1", id: "a", now: now)
        _ = try await store.delete(user: "u1", id: "b", now: now)
        let later = now.adding(seconds: 5)  // "gone" has expired, unswept: it still counts until swept
        let before = try await store.counts(user: "u1")
        #expect(before.seq == 6 && before.unread == 2)

        let outcome = try await store.deleteAll(user: "u1", now: later)
        #expect(outcome.updated == 2)  // "a" (read) and "c"; "gone" had expired
        #expect(outcome.counts == Counts(user: "u1", unread: 0, unseen: 0, seq: 7))
        #expect(outcome.event?.name == .reset && outcome.event?.seq == 7)
        #expect(outcome.delta == CountsDelta(user: "u1", unread: -2, unseen: -2, events: 1, seqAfter: 7))
        #expect(try await eventRows(store, "u1") == ["reset"])
        #expect(try await store.events(user: "u1", after: 6, limit: 10).map(\.name) == [.reset])
        #expect(try await store.list(NotificationQuery(user: "u1"), now: later).notifications.isEmpty)
        #expect(
            try await store.pool.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notification WHERE user = 'u1'")
            } == 0)
        // Another user's keep everything.
        #expect(try await eventRows(store, "u2") == ["notification.created"])
        #expect(try await store.counts(user: "u2").unread == 1)

        // Nothing left but the reset: a second delete changes nothing and appends nothing.
        let again = try await store.deleteAll(user: "u1", now: later)
        #expect(again.updated == 0 && again.event == nil && again.counts.seq == 7)
        #expect(try await store.deleteAll(user: "nobody", now: later).counts == Counts.empty(user: "nobody"))

        // The seq goes on from the reset, and a catch-up from before it reads as a gap.
        _ = try await store.create([try draft("d")], defaultTTLSeconds: 600, now: later)
        #expect(try await store.counts(user: "u1") == Counts(user: "u1", unread: 1, unseen: 1, seq: 8))
        #expect(try await store.events(user: "u1", after: 6, limit: 10).map(\.seq) == [7, 8])
        #expect(try await store.events(user: "u1", after: 2, limit: 10).first?.seq == 7)
        #expect(try await eventRows(store, "u1") == ["reset", "notification.created"])
    }

    /// Either half is enough for the delete to run: notifications whose events were pruned go
    /// and leave the counts (else the counts would keep them), and events with a notification's
    /// content go though no notification is left (else the content would stay).
    @Test func notificationsWithoutEventsOrEventsWithoutNotificationsAreDeleted() async throws {
        let directory = try makeTemporaryDirectory("delete-all-halves")
        let store = try SQLiteStore(path: directory.appendingPathComponent("s.sqlite").path)
        _ = try await store.create([try draft("a"), try draft("b")], defaultTTLSeconds: 600, now: now)
        #expect(try await store.pruneEvents(createdBefore: now.adding(seconds: 1)) == 2)
        let later = now.adding(seconds: 2)
        let pruned = try await store.deleteAll(user: "u1", now: later)
        #expect(pruned.updated == 2 && pruned.event?.name == .reset)
        #expect(pruned.counts == Counts(user: "u1", unread: 0, unseen: 0, seq: 3))
        #expect(try await store.counts(user: "u1") == pruned.counts)

        _ = try await store.create([try draft("x", user: "u2")], defaultTTLSeconds: 600, now: later)
        _ = try await store.delete(user: "u2", id: "x", now: later)
        #expect(try await eventRows(store, "u2") == ["notification.created", "notification.deleted"])
        let emptied = try await store.deleteAll(user: "u2", now: later)
        #expect(emptied.updated == 0 && emptied.event?.name == .reset && emptied.counts.seq == 3)
        #expect(try await eventRows(store, "u2") == ["reset"])
    }

    /// Counts cached before the delete are applied the delete's delta like any change's, so the
    /// cache answers the zeros at once, proven, and goes on from them.
    @Test func cachedCountsFollowTheDelete() async throws {
        let harness = try await ServiceHarness()
        _ = try await harness.service.create(try ServiceHarness.draft(id: "a"))
        _ = try await harness.service.create(try ServiceHarness.draft(id: "b"))
        #expect(await harness.readUntilCached(user: "u1"))
        let outcome = try await harness.service.deleteAll(user: "u1")
        #expect(outcome.updated == 2)
        #expect(await harness.cachedCounts(user: "u1") == Counts(user: "u1", unread: 0, unseen: 0, seq: 3))
        _ = try await harness.service.create(try ServiceHarness.draft(id: "c"))
        #expect(await harness.cachedCounts(user: "u1") == Counts(user: "u1", unread: 1, unseen: 1, seq: 4))
        #expect(try await harness.service.notification(user: "u1", id: "a") == nil)
        await harness.shutdown()
    }
}
