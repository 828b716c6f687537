import HeraldCore
import HeraldTestSupport
import Logging
import Memcached
import Testing

@testable import HeraldCache

/// `CountsAudit`: the users last filled or changed in the counts cache, compared with the store
/// on a real memcached and a real SQLite file; cached counts that differ are dropped.
@Suite(.timeLimit(.minutes(1)))
struct CountsAuditTests {
    private func audit(_ harness: ServiceHarness, _ recorder: LogRecorder = LogRecorder()) -> CountsAudit {
        CountsAudit(cache: harness.cache, logger: recorder.logger())
    }

    /// Overwrites the counter of `user`'s current lineage with `counts`, as a bug or a stray
    /// writer to memcached might.
    private func tamper(_ harness: ServiceHarness, user: String, counts: Counts) async throws {
        let epochKey = harness.keyOfEpoch(user: user)
        let epoch = try #require(try await harness.client.get(epochKey)?.string)
        let value = try #require(PackedCounts.value(of: counts))
        try await harness.client.set("\(epochKey.dropLast(2)):\(epoch):c", value: Array(String(value).utf8))
    }

    @Test func countsThatDifferFromTheStoreAreLoggedAndDropped() async throws {
        let harness = try await ServiceHarness()
        let recorder = LogRecorder()
        for user in ["u1", "u2"] {
            _ = try await harness.service.create(try ServiceHarness.draft(user: user, id: "a"))
            #expect(await harness.readUntilCached(user: user))
        }
        let truth = try await harness.store.counts(user: "u1")
        let wrong = Counts(user: "u1", unread: truth.unread + 5, unseen: truth.unseen, seq: truth.seq)
        try await tamper(harness, user: "u1", counts: wrong)
        #expect(await harness.cachedCounts(user: "u1") == wrong)

        let tally = await audit(harness, recorder).pass { try await harness.store.counts(user: $0) }
        #expect(tally == [.differ: 1, .agree: 1])
        #expect(await harness.cachedCounts(user: "u1") == nil, "the wrong counts are still cached")
        #expect(try await harness.service.counts(user: "u1") == truth)
        #expect(await harness.cachedCounts(user: "u2") != nil, "counts that agreed were dropped")
        let errors = recorder.logged.filter { $0.level == .error }
        #expect(errors.count == 1)
        #expect(errors.first?.metadata["user"] == "u1")
        #expect(errors.first?.metadata["cached"] == "unread 6, unseen 1, seq \(truth.seq)")
        await harness.shutdown()
    }

    /// A store that moved on after the cache was read is no difference; a cache ahead of the store is.
    @Test func theStoresSeqDecidesWhatIsCompared() async throws {
        let harness = try await ServiceHarness()
        _ = try await harness.service.create(try ServiceHarness.draft(id: "a"))
        #expect(await harness.readUntilCached(user: "u1"))
        let cached = try #require(await harness.cachedCounts(user: "u1"))
        let later = Counts(user: "u1", unread: 0, unseen: 0, seq: cached.seq + 1)
        harness.cache.recentUsers.note(["u1"])
        #expect(await audit(harness).pass { _ in later } == [.changed: 1])
        #expect(await harness.cachedCounts(user: "u1") == cached)
        let earlier = Counts(user: "u1", unread: cached.unread, unseen: cached.unseen, seq: cached.seq - 1)
        harness.cache.recentUsers.note(["u1"])
        #expect(await audit(harness).pass { _ in earlier } == [.differ: 1])
        #expect(await harness.cachedCounts(user: "u1") == nil)
        await harness.shutdown()
    }

    /// Applies and reads the cache answers note their users; each pass takes the users noted since
    /// the one before (not those its own reads met), and users with no proven lineage (never read,
    /// so never cached) are left out.
    @Test func aPassTakesTheUsersChangedOrServedSinceTheLast() async throws {
        let harness = try await ServiceHarness()
        let audit = audit(harness)
        let load: @Sendable (String) async throws -> Counts = { try await harness.store.counts(user: $0) }
        for id in ["a", "b"] { _ = try await harness.service.create(try ServiceHarness.draft(id: id)) }
        _ = try await harness.service.create(try ServiceHarness.draft(user: "never-read", id: "a"))
        #expect(await harness.readUntilCached(user: "u1"))
        _ = await audit.pass(load: load)
        #expect(await audit.pass(load: load) == [:])
        _ = try await harness.service.change(.read, user: "u1", id: "a")
        _ = try await harness.service.create(try ServiceHarness.draft(user: "never-read", id: "b"))
        #expect(await audit.pass(load: load) == [.agree: 1])
        #expect(await audit.pass(load: load) == [:])
        #expect(await harness.cachedCounts(user: "u1") != nil)  // a read served by the cache
        #expect(await audit.pass(load: load) == [.agree: 1])
        #expect(await audit.pass(load: load) == [:])
        await harness.shutdown()
    }

    /// With memcached gone a pass compares nothing and drops nothing, and says so in the cache's health.
    @Test func aPassWithMemcachedGoneComparesNothing() async throws {
        let harness = try await ServiceHarness()
        _ = try await harness.service.create(try ServiceHarness.draft(id: "a"))
        #expect(await harness.readUntilCached(user: "u1"))
        harness.cache.recentUsers.note(["u1", "u2", "u3"])
        harness.memcached.kill()
        let loads = LockedBox(0)
        let tally = await audit(harness).pass { user in
            loads.value += 1
            return try await harness.store.counts(user: user)
        }
        #expect(tally == [:])
        #expect(loads.value == 0)
        #expect(await ServiceHarness.eventually { harness.health.status == .down })
        await harness.shutdown()
    }

    @Test func recentUsersAreTheNewestEachOnceAndAFewPerCall() {
        let recent = RecentlyNoted<String>(capacity: 4, perCall: 3)
        #expect(recent.take() == [])
        recent.note(["a", "b", "c", "d", "e"])
        #expect(recent.take() == ["c", "b", "a"])
        recent.note(["a", "b"])
        recent.note(["c", "a"])
        recent.note(["e"])
        #expect(recent.take() == ["e", "a", "c", "b"])
        #expect(recent.take() == [])
    }

    @Test func outcomesFollowTheSeqs() {
        let cached = Counts(user: "u", unread: 3, unseen: 2, seq: 10)
        #expect(CacheAuditOutcome(cached: cached, stored: cached) == .agree)
        #expect(CacheAuditOutcome(cached: cached, stored: Counts(user: "u", unread: 4, unseen: 2, seq: 10)) == .differ)
        #expect(CacheAuditOutcome(cached: cached, stored: Counts(user: "u", unread: 3, unseen: 1, seq: 10)) == .differ)
        #expect(
            CacheAuditOutcome(cached: cached, stored: Counts(user: "u", unread: 0, unseen: 0, seq: 11)) == .changed)
        #expect(CacheAuditOutcome(cached: cached, stored: Counts(user: "u", unread: 3, unseen: 2, seq: 9)) == .differ)
    }
}
