import Foundation
import GRDB
import HeraldCore
import HeraldTestSupport
import Testing

/// A database that cannot grow, as on a full disk: SQLite answers SQLITE_FULL, and for a one-row
/// insert it rolls back the whole shared transaction, not just the statement.
@Suite(.timeLimit(.minutes(1)))
struct FullDatabaseTests {
    static let users = ["ann", "bob", "cy", "dee"]

    /// Caps the database on the writer's connection, the one every write commits through, at
    /// `pages`, or at its current size and three pages more: room for a few small rows, but not
    /// for a large notification, whose row and event take six pages or more.
    static func capDatabase(_ harness: ServiceHarness, pages: Int? = nil) async throws {
        try await harness.store.pool.writeWithoutTransaction { db in
            let limit = try pages ?? (Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0) + 3
            try db.execute(sql: "PRAGMA max_page_count = \(limit)")
        }
    }

    /// A notification of ~12 KB: a body and data near their limits.
    static func large(user: String, id: String) throws(HeraldError) -> NotificationDraft {
        try NotificationDraft(
            user: user, id: id, type: "large", title: "t", body: String(repeating: "x", count: 4000),
            data: ["pad": .string(String(repeating: "y", count: 8000))], tags: [], ttlSeconds: nil)
    }

    /// Writes that fit and writes that need room arrive together: the ones that need room fail
    /// with `unavailable`, the others commit and are answered, and nothing a caller was told
    /// failed is kept. Counts in the cache stay the store's, events are exactly the committed
    /// changes, and writes succeed again once there is room.
    @Test func writesThatNeedRoomFailAloneAndNothingFailedIsKept() async throws {
        let harness = try await ServiceHarness()
        let service = harness.service
        for user in Self.users {
            _ = try await service.counts(user: user)  // cached from here on
            for index in 0..<4 { _ = try await service.create(try ServiceHarness.draft(user: user, id: "s\(index)")) }
        }
        try await Self.capDatabase(harness)
        let subscription = harness.broker.subscribe()
        // Per user: one notification marked read (an update in place, which fits) and two large
        // creates (a row and an event over a page each, which do not), all at once.
        typealias Outcome = (user: String, isChange: Bool, failure: HeraldError.Code?)
        let outcomes: [Outcome] = await withTaskGroup(of: Outcome.self) { group in
            for user in Self.users {
                group.addTask {
                    do throws(HeraldError) {
                        _ = try await service.change(.read, user: user, id: "s1")
                        return (user, true, nil)
                    } catch { return (user, true, error.code) }
                }
                for index in 0..<2 {
                    group.addTask {
                        do throws(HeraldError) {
                            _ = try await service.create(try Self.large(user: user, id: "big\(index)"))
                            return (user, false, nil)
                        } catch { return (user, false, error.code) }
                    }
                }
            }
            var outcomes: [Outcome] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        #expect(outcomes.filter(\.isChange).allSatisfy { $0.failure == nil }, "\(outcomes)")
        #expect(outcomes.filter { !$0.isChange }.allSatisfy { $0.failure == .unavailable }, "\(outcomes)")

        for user in Self.users {
            let truth = try await harness.store.counts(user: user)
            #expect(truth.unread == 3 && truth.unseen == 3 && truth.seq == 5, "\(user): \(truth)")
            #expect(try await service.counts(user: user) == truth, "\(user)")
            #expect(try await service.notification(user: user, id: "big0") == nil)
            let events = try await harness.store.events(user: user, after: 0, limit: 100)
            #expect(events.map(\.seq) == [1, 2, 3, 4, 5] && events.last?.name == .read, "\(user)")
        }

        try await Self.capDatabase(harness, pages: 1_073_741_823)
        guard case .created(let change) = try await service.create(try Self.large(user: "ann", id: "big0")) else {
            Issue.record("a large create once there is room")
            return
        }
        #expect(change.counts.seq == 6 && change.counts.unread == 4)
        // Live, the subscriber saw the four reads, then this create: nothing of the failed writes.
        var received: [UserEvent] = []
        for await event in subscription {
            received.append(event)
            if received.count == 5 { break }
        }
        #expect(received.prefix(4).allSatisfy { $0.name == .read && $0.seq == 5 }, "\(received)")
        #expect(Set(received.prefix(4).map(\.user)) == Set(Self.users))
        #expect(
            received.last.map { [$0.user, "\($0.seq)", $0.name.rawValue] } == ["ann", "6", "notification.created"])
        await harness.shutdown()
    }
}
