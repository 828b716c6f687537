import Foundation
import GRDB
import HeraldCache
import HeraldCore
import HeraldTestSupport
import Testing

@testable import HeraldSQLite

@Suite(.timeLimit(.minutes(1)))
struct ServiceTests {
    @Test func writesPublishEventsInSeqOrder() async throws {
        let harness = try await ServiceHarness()
        let subscription = harness.broker.subscribe()
        _ = try await harness.service.create(try ServiceHarness.draft(id: "a"))
        _ = try await harness.service.change(.read, user: "u1", id: "a")
        _ = try await harness.service.change(.read, user: "u1", id: "a")  // idempotent: no event
        _ = try await harness.service.delete(user: "u1", id: "a")
        var received: [UserEvent] = []
        for await event in subscription {
            received.append(event)
            if received.count == 3 { break }
        }
        #expect(received.map(\.seq) == [1, 2, 3])
        #expect(received.map(\.name) == [.created, .read, .deleted])
        await harness.shutdown()
    }

    @Test func countsComeFromTheCacheAfterAFillAndStayExact() async throws {
        let harness = try await ServiceHarness()
        for index in 0..<5 { _ = try await harness.service.create(try ServiceHarness.draft(id: "n\(index)")) }
        let first = try await harness.service.counts(user: "u1")
        #expect(first == Counts(user: "u1", unread: 5, unseen: 5, seq: 5))
        // A hit does not call the loader.
        let cached = try await harness.cache.counts(user: "u1") {
            Issue.record("expected a cache hit")
            return .empty(user: "u1")
        }
        #expect(cached == first)
        _ = try await harness.service.change(.read, user: "u1", id: "n0")
        _ = try await harness.service.markAllSeen(user: "u1")
        _ = try await harness.service.change(.unread, user: "u1", id: "n0")
        _ = try await harness.service.change(.archive, user: "u1", id: "n1")
        let afterWrites = try await harness.cache.counts(user: "u1") {
            Issue.record("writes should keep the cache filled")
            return .empty(user: "u1")
        }
        #expect(afterWrites == (try await harness.store.counts(user: "u1")))
        #expect(afterWrites == Counts(user: "u1", unread: 4, unseen: 0, seq: 9))
        await harness.shutdown()
    }

    @Test func randomizedConcurrentWritesAndFillsLeaveCacheEqualToTruth() async throws {
        let harness = try await ServiceHarness()
        let service = harness.service
        let ids = (0..<30).map { "n\($0)" }
        for round in 0..<4 {
            let writersDone = ManagedAtomicFlag()
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Fillers: keep forcing misses so fills interleave with every kind of write.
                for _ in 0..<4 {
                    group.addTask {
                        while !writersDone.isSet {
                            try await harness.client.delete(harness.keyOfEpoch(user: "u1"))
                            _ = try await service.counts(user: "u1")
                        }
                    }
                }
                group.addTask {
                    try await withThrowingTaskGroup(of: Void.self) { writers in
                        for _ in 0..<8 {
                            writers.addTask {
                                var generator = SystemRandomNumberGenerator()
                                for step in 0..<50 {
                                    let id = "\(ids.randomElement(using: &generator)!)-\(round)"
                                    switch Int.random(in: 0..<9, using: &generator) {
                                    case 0, 1, 2: _ = try await service.create(try ServiceHarness.draft(id: id))
                                    case 3: _ = try await service.change(.read, user: "u1", id: id)
                                    case 4: _ = try await service.change(.unread, user: "u1", id: id)
                                    case 5: _ = try await service.change(.archive, user: "u1", id: id)
                                    case 6: _ = try await service.delete(user: "u1", id: id)
                                    case 7 where step % 10 == 0: _ = try await service.markAllSeen(user: "u1")
                                    default: _ = try await service.counts(user: "u1")
                                    }
                                }
                            }
                        }
                        try await writers.waitForAll()
                    }
                    writersDone.set()
                }
                try await group.waitForAll()
            }
            let truth = try await harness.store.counts(user: "u1")
            // Whatever the cache now holds (or fills) must equal the truth, and the next read must hit.
            let cached = try await service.counts(user: "u1")
            #expect(cached == truth, "round \(round)")
            let again = try await harness.cache.counts(user: "u1") {
                Issue.record("second read must hit")
                return .empty(user: "u1")
            }
            #expect(again == truth, "round \(round)")
        }
        await harness.shutdown()
    }

    @Test func killedMemcachedFallsBackToTheStoreAndRecoversWithoutStaleValues() async throws {
        let harness = try await ServiceHarness()
        _ = try await harness.service.create(try ServiceHarness.draft(id: "a"))
        #expect(await harness.readUntilCached(user: "u1"))
        #expect(try await harness.service.counts(user: "u1").unread == 1)
        let generation = harness.health.generation
        harness.memcached.kill()
        _ = try await harness.service.create(try ServiceHarness.draft(id: "b"))
        // This write notices the outage when u1's lineage is current; should a timeout under load
        // have retired the generation since the read (and the probe brought a new one), the write
        // skips memcached, and the probe notices within its interval.
        #expect(await ServiceHarness.eventually { harness.health.status == .down })
        _ = try await harness.service.create(try ServiceHarness.draft(id: "c"))
        #expect(try await harness.service.counts(user: "u1").unread == 3)
        try harness.memcached.start()
        #expect(await ServiceHarness.eventually { harness.health.status == .up })
        #expect(harness.health.generation > generation)
        #expect(try await harness.service.counts(user: "u1") == (try await harness.store.counts(user: "u1")))
        await harness.shutdown()
    }

    @Test func stoppedMemcachedNeverServesAValueThatMissedAChange() async throws {
        let harness = try await ServiceHarness()
        for id in ["a", "b"] { _ = try await harness.service.create(try ServiceHarness.draft(id: id)) }
        #expect(await harness.readUntilCached(user: "u1"))
        #expect(try await harness.service.counts(user: "u1").unread == 2)
        harness.memcached.pause()
        let started = Date()
        _ = try await harness.service.change(.read, user: "u1", id: "a")  // cache update times out
        _ = try await harness.service.change(.read, user: "u1", id: "b")  // cache already marked down
        #expect(Date().timeIntervalSince(started) < 3)
        #expect(harness.health.status == .down)
        #expect(try await harness.service.counts(user: "u1").unread == 0)
        harness.memcached.resume()  // the old cached "2" is still in memcached
        #expect(await ServiceHarness.eventually { harness.health.status == .up })
        #expect(try await harness.service.counts(user: "u1").unread == 0)
        #expect(try await harness.service.counts(user: "u1") == (try await harness.store.counts(user: "u1")))
        await harness.shutdown()
    }

    @Test func memcachedRestartedEmptyRefillsFromTheStore() async throws {
        let harness = try await ServiceHarness()
        _ = try await harness.service.create(try ServiceHarness.draft(id: "a"))
        #expect(try await harness.service.counts(user: "u1").unread == 1)
        try harness.memcached.restart()
        try await Task.sleep(for: .milliseconds(300))
        _ = try await harness.service.create(try ServiceHarness.draft(id: "b"))
        #expect(await ServiceHarness.eventually { harness.health.status == .up })
        #expect(try await harness.service.counts(user: "u1") == Counts(user: "u1", unread: 2, unseen: 2, seq: 2))
        await harness.shutdown()
    }

    /// Two databases whose generation counters agree (two fresh ones, or a backup restored beside
    /// the database it was taken from) over one memcached and one key prefix: neither may read the
    /// other's cached counts or notifications.
    @Test func twoDatabasesOverOneMemcachedNeverReadEachOthersCache() async throws {
        let first = try await ServiceHarness()
        let second = try await ServiceHarness(memcached: first.memcached)
        #expect(first.health.generation == second.health.generation)
        _ = try await second.service.create(try ServiceHarness.draft(id: "mine"))
        for id in ["a", "b", "c"] { _ = try await first.service.create(try ServiceHarness.draft(id: id)) }
        #expect(await first.readUntilCached(user: "u1"))
        _ = try await first.service.notification(user: "u1", id: "a")  // fills its entry
        #expect(try await first.service.notification(user: "u1", id: "a")?.id == "a")

        #expect(try await second.service.counts(user: "u1") == Counts(user: "u1", unread: 1, unseen: 1, seq: 1))
        #expect(try await second.service.notification(user: "u1", id: "a") == nil)
        #expect(await second.readUntilCached(user: "u1"))
        #expect(await first.cachedCounts(user: "u1") == Counts(user: "u1", unread: 3, unseen: 3, seq: 3))
        #expect(await second.cachedCounts(user: "u1") == Counts(user: "u1", unread: 1, unseen: 1, seq: 1))
        await first.shutdown()
        await second.shutdown()
    }

    /// The longest prefix and the longest user id still make keys memcached takes: the counts and
    /// the notification are cached, and the cache stays up.
    @Test func theLongestKeysFitInMemcached() async throws {
        let harness = try await ServiceHarness(
            keyPrefix: String(repeating: "p", count: CacheHealth.maximumKeyPrefixLength))
        let user = String(repeating: "u", count: 128)
        let id = String(repeating: "n", count: 128)
        _ = try await harness.service.create(try ServiceHarness.draft(user: user, id: id))
        #expect(await harness.readUntilCached(user: user))
        #expect(await harness.cachedCounts(user: user) == Counts(user: user, unread: 1, unseen: 1, seq: 1))
        _ = try await harness.service.notification(user: user, id: id)  // fills its entry
        #expect(try await harness.service.notification(user: user, id: id)?.id == id)
        #expect(harness.health.status == .up)
        await harness.shutdown()
    }

    @Test func processRestartKeepsDataAndSeqAndRetiresTheCache() async throws {
        let first = try await ServiceHarness()
        _ = try await first.service.create(try ServiceHarness.draft(id: "a"))
        _ = try await first.service.create(try ServiceHarness.draft(id: "b"))
        _ = try await first.service.change(.read, user: "u1", id: "a")
        #expect(try await first.service.counts(user: "u1").seq == 3)
        let generation = first.health.generation
        await first.shutdown()
        let second = try await ServiceHarness(memcached: first.memcached, directory: first.directory)
        #expect(second.health.generation > generation)
        #expect(try await second.service.counts(user: "u1") == Counts(user: "u1", unread: 1, unseen: 1, seq: 3))
        let next = try await second.service.create(try ServiceHarness.draft(id: "c"))
        guard case .created(let change) = next else { Issue.record("expected created"); return }
        #expect(change.event.seq == 4)
        #expect(try await second.store.events(user: "u1", after: 0, limit: 10).map(\.seq) == [1, 2, 3, 4])
        await second.shutdown()
    }

    /// The names of the next `count` events of `subscription`.
    static func names(of count: Int, from subscription: BrokerSubscription) async -> [EventName] {
        var names: [EventName] = []
        for await event in subscription {
            names.append(event.name)
            if names.count == count { break }
        }
        return names
    }

    @Test func sweeperExpiresNotificationsWithinSeconds() async throws {
        let harness = try await ServiceHarness()
        let maintenance = Task { await harness.service.runMaintenance() }
        let subscription = harness.broker.subscribe()
        _ = try await harness.service.create(try ServiceHarness.draft(id: "short", ttl: 1))
        #expect(await Self.names(of: 2, from: subscription) == [.created, .expired])
        #expect(try await harness.service.counts(user: "u1").unread == 0)
        #expect(try await harness.service.notification(user: "u1", id: "short") == nil)
        // With no retention, the swept row is deleted a sweep interval (200 ms) or so later.
        let purged = try await ServiceHarness.eventually(seconds: 10) {
            try await harness.store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM notification") }
                == 0
        }
        #expect(purged)
        maintenance.cancel()
        await harness.shutdown()
    }

    /// An idle service sweeps only when an expiry is due (``ExpirySchedule``): no transaction while
    /// nothing can expire, and a create that expires sooner than anything known is swept on time.
    @Test func theSweeperCommitsNothingUntilAnExpiryIsDue() async throws {
        let harness = try await ServiceHarness()
        _ = try await harness.service.create(try ServiceHarness.draft(id: "long", ttl: 3600))
        let beforeMaintenance = harness.store.committedTransactions
        let maintenance = Task { await harness.service.runMaintenance() }
        let subscription = harness.broker.subscribe()
        // The first rounds of its two loops: a sweep, and a purge (rows swept before the start may
        // be left); a prune with no old event commits nothing. One or two transactions. Settled:
        // the maintenance has committed and then nothing for a second (five rounds). Counting the
        // harness' own transactions as the maintenance's, a maintenance task starved on a loaded
        // machine looked settled before its first round, and its rounds then failed the check.
        let settled = try await ServiceHarness.eventually(seconds: 20) {
            let before = harness.store.committedTransactions
            try await Task.sleep(for: .seconds(1))
            return before > beforeMaintenance && harness.store.committedTransactions == before
        }
        #expect(settled)
        let idle = harness.store.committedTransactions
        try await Task.sleep(for: .seconds(1))  // five sweep intervals
        #expect(harness.store.committedTransactions == idle)
        _ = try await harness.service.create(try ServiceHarness.draft(id: "short", ttl: 1))
        #expect(await Self.names(of: 2, from: subscription) == [.created, .expired])
        #expect(try await harness.service.counts(user: "u1").unread == 1)
        maintenance.cancel()
        await harness.shutdown()
    }

    /// The upkeep's two loops run side by side: an expiry is swept on time while a prune of
    /// 20,000 old events, one per transaction, is still running; cancelled, the prune stops.
    @Test func anExpiryIsSweptWhileALongPruneRuns() async throws {
        let harness = try await ServiceHarness()
        let store = try SQLiteStore(
            path: harness.directory.appendingPathComponent("upkeep.sqlite").path, threads: .singleton,
            upkeepRows: 1)
        let eightDaysAgo = Timestamp.now().adding(seconds: -8 * 86_400)
        for _ in 0..<20 {
            let drafts = try (0..<1_000).map { _ in try ServiceHarness.draft(user: "old") }
            _ = try await store.create(drafts, defaultTTLSeconds: 30 * 86_400, now: eightDaysAgo)
        }
        let events = {
            try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM event") ?? 0 }
        }
        let service = HeraldService(
            store: store, cache: harness.cache, notificationCache: harness.notificationCache, broker: harness.broker,
            configuration: .init(expirySweepIntervalMilliseconds: 200))
        let subscription = harness.broker.subscribe()
        let maintenance = Task { await service.runMaintenance() }
        #expect(try await ServiceHarness.eventually { try await events() < 20_000 })  // the prune has begun

        _ = try await service.create(try ServiceHarness.draft(id: "short", ttl: 1))
        #expect(await Self.names(of: 2, from: subscription) == [.created, .expired])
        let left = try await events()
        #expect(left > 1_000, "the prune had ended before the expiry was swept")
        maintenance.cancel()
        await maintenance.value
        #expect(try await events() > 2, "the prune went on after its task was cancelled")
        await harness.shutdown()
    }
}
