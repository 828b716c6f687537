import Foundation
import GRDB
import HeraldCore
import HeraldTestSupport
import Testing

@testable import HeraldSQLite

/// The upkeep (pruning old events, purging swept notifications) deletes in transactions of a
/// bounded size, so that the writes waiting meanwhile go between them rather than behind it all.
@Suite(.timeLimit(.minutes(1)))
struct UpkeepTransactionTests {
    let directory: URL
    let now = Timestamp(milliseconds: 1_800_000_000_000)

    init() throws {
        directory = try makeTemporaryDirectory("upkeep")
    }

    func store(upkeepRows: Int) throws -> SQLiteStore {
        try SQLiteStore(
            path: directory.appendingPathComponent("s.sqlite").path, threads: .singleton,
            upkeepRows: upkeepRows)
    }

    /// Creates `count` notifications of `user` in one transaction, at `seconds` past `now`.
    func create(_ store: SQLiteStore, _ user: String, _ count: Int, at seconds: Int64 = 0) async throws {
        let drafts = try (0..<count).map { _ in try ServiceHarness.draft(user: user) }
        _ = try await store.create(drafts, defaultTTLSeconds: 600, now: now.adding(seconds: seconds))
    }

    func eventCount(_ store: SQLiteStore) async throws -> Int {
        try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM event") ?? 0 }
    }

    /// Counts the transactions `body` commits.
    func transactions(_ store: SQLiteStore, _ body: () async throws -> Int) async throws -> (Int, transactions: Int) {
        let before = store.committedTransactions
        let result = try await body()
        return (result, store.committedTransactions - before)
    }

    /// Old events at pks 1-3, 34-36 and 37 (u2's 30 between them deleted, its `reset` after), three
    /// rows at a time: three transactions, the gap skipped, and the newer events kept.
    @Test func eventsArePrunedInBoundedTransactionsAcrossGaps() async throws {
        let store = try store(upkeepRows: 3)
        try await create(store, "u1", 3)
        try await create(store, "u2", 30)
        try await create(store, "u1", 3)
        _ = try await store.deleteAll(user: "u2", now: now)
        try await create(store, "u3", 2, at: 100)
        #expect(try await eventCount(store) == 3 + 3 + 1 + 2)

        let (pruned, count) = try await transactions(store) {
            try await store.pruneEvents(createdBefore: now.adding(seconds: 50))
        }
        #expect(pruned == 7)
        #expect(count == 3)
        #expect(try await eventCount(store) == 2)
        #expect(try await store.events(user: "u3", after: 0, limit: 10).map(\.seq) == [1, 2])
        #expect(try await store.pruneEvents(createdBefore: now.adding(seconds: 50)) == 0)
    }

    /// A prune with nothing due writes nothing: an empty log, or one whose first event is new.
    @Test func aPruneWithNothingDueCommitsNothing() async throws {
        let store = try store(upkeepRows: 3)
        #expect(try await transactions(store) { try await store.pruneEvents(createdBefore: now) } == (0, 0))
        try await create(store, "u1", 5, at: 10)
        #expect(try await transactions(store) { try await store.pruneEvents(createdBefore: now) } == (0, 0))
        #expect(try await eventCount(store) == 5)
    }

    /// One row at a time, the arrival order still rules: an older event behind a newer one stays
    /// until the newer one goes, and none newer than the cutoff is ever deleted.
    @Test func pruningOneRowATimeKeepsArrivalOrder() async throws {
        let store = try store(upkeepRows: 1)
        for seconds: Int64 in [0, 30, 20, 40] { try await create(store, "u1", 1, at: seconds) }
        #expect(try await store.pruneEvents(createdBefore: now.adding(seconds: 25)) == 1)
        #expect(try await store.events(user: "u1", after: 0, limit: 10).map(\.seq) == [2, 3, 4])
        #expect(try await store.pruneEvents(createdBefore: now.adding(seconds: 35)) == 2)
        #expect(try await store.events(user: "u1", after: 0, limit: 10).map(\.seq) == [4])
    }

    @Test func sweptNotificationsArePurgedInBoundedTransactions() async throws {
        let store = try store(upkeepRows: 3)
        let drafts = try (0..<7).map { try ServiceHarness.draft(user: "u1", id: "old\($0)", ttl: 1) }
        _ = try await store.create(
            drafts + [try ServiceHarness.draft(user: "u1", id: "live")], defaultTTLSeconds: 600, now: now)
        let sweptAt = now.adding(seconds: 2)
        #expect(try await store.expire(now: sweptAt, limit: 10).removed.count == 7)

        let (purged, count) = try await transactions(store) { try await store.purgeExpired(sweptBefore: sweptAt) }
        #expect(purged == 7)
        #expect(count == 3)  // 3, 3 and 1
        let left = try await store.pool.read { db in try String.fetchAll(db, sql: "SELECT id FROM notification") }
        #expect(left == ["live"])
        #expect(try await store.counts(user: "u1").unread == 1)
    }

    /// A create submitted while a long prune runs is committed before the prune ends: it waits for
    /// one of the prune's transactions at most, not for all of them.
    @Test func aWriteGoesBetweenThePrunesTransactions() async throws {
        let store = try store(upkeepRows: 4)
        for _ in 0..<20 { try await create(store, "old", 1_000) }
        try await create(store, "new", 1, at: 100)
        let start = store.committedTransactions
        let prune = Task { try await store.pruneEvents(createdBefore: now.adding(seconds: 50)) }
        let deadline = ContinuousClock.now + .seconds(20)
        while store.committedTransactions < start + 2, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(1))
        }
        try await create(store, "new", 1, at: 100)
        let left = try await eventCount(store)
        #expect(left > 2, "the prune had ended before the create was committed")
        #expect(try await prune.value == 20_000)
        #expect(try await eventCount(store) == 2)
    }
}
