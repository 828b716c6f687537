import Foundation
import HeraldCache
import HeraldCore
import HeraldTestSupport
import Testing

/// Forces, step by step, the interleavings of a cache fill and a writer that the protocol must
/// survive (see MemcachedCountsCache). With the seq validator removed, the first test fails.
@Suite(.timeLimit(.minutes(1)))
struct CacheInterleavingTests {
    @Test func aFillThatAlreadyIncludesAChangeIsNotAppliedTwice() async throws {
        let harness = try await ServiceHarness()
        _ = try await harness.service.create(try ServiceHarness.draft(id: "a"))
        let late = LockedBox<CountsDelta?>(nil)
        // The writer commits while the reader's fill is loading; its cache update comes after the fill.
        let filled = try await harness.cache.counts(user: "u1") {
            let outcome = try await harness.store.create(
                [try ServiceHarness.draft(id: "b")], defaultTTLSeconds: 60, now: .now())
            if case .created(let change) = outcome[0] { late.value = change.delta }
            return try await harness.store.counts(user: "u1")
        }
        #expect(filled.unread == 2)
        await harness.cache.apply([try #require(late.value)])
        let truth = try await harness.store.counts(user: "u1")
        #expect(try await harness.service.counts(user: "u1") == truth)
        #expect(try await harness.service.counts(user: "u1") == truth)
        await harness.shutdown()
    }

    @Test func aFillThatPrecedesAChangeReceivesItsDelta() async throws {
        let harness = try await ServiceHarness()
        _ = try await harness.service.create(try ServiceHarness.draft(id: "a"))
        #expect(try await harness.service.counts(user: "u1").unread == 1)  // filled
        _ = try await harness.service.create(try ServiceHarness.draft(id: "b"))  // incr on the fill
        let hit = try await harness.cache.counts(user: "u1") {
            Issue.record("the writer's delta should have kept the cache filled")
            return .empty(user: "u1")
        }
        #expect(hit == Counts(user: "u1", unread: 2, unseen: 2, seq: 2))
        await harness.shutdown()
    }

    /// Fills u1's counts at seq 1, then commits two changes without touching the cache; returns
    /// their deltas in commit order.
    private func twoUnappliedCommitsAfterAFill(_ harness: ServiceHarness) async throws -> [CountsDelta] {
        _ = try await harness.service.create(try ServiceHarness.draft(id: "a"))
        #expect(try await harness.service.counts(user: "u1").unread == 1)  // filled at seq 1
        let first = try await harness.store.create(
            [try ServiceHarness.draft(id: "b")], defaultTTLSeconds: 60, now: .now())
        let second = try await harness.store.change(.read, user: "u1", id: "a", now: .now())
        guard case .created(let one) = first[0], case .changed(let two) = second else {
            Issue.record("unexpected outcomes")
            return []
        }
        return [one.delta, two.delta]
    }

    /// The cache answers u1's counts without loading them, and they are the store's.
    private func expectAHitOfTheTruth(_ harness: ServiceHarness, _ why: Comment) async throws {
        let truth = try await harness.store.counts(user: "u1")
        let hit = try await harness.cache.counts(user: "u1") {
            Issue.record(why)
            return .empty(user: "u1")
        }
        #expect(hit == truth)
    }

    @Test func writersDeltasOutOfOrderNeverLeaveAWrongValue() async throws {
        let harness = try await ServiceHarness()
        let deltas = try await twoUnappliedCommitsAfterAFill(harness)
        // Two commits whose cache updates arrive in reverse order, in separate jobs.
        for delta in deltas.reversed() { await harness.cache.apply([delta]) }
        let truth = try await harness.store.counts(user: "u1")
        #expect(try await harness.service.counts(user: "u1") == truth)
        await harness.shutdown()
    }

    @Test func deltasArrivingTogetherOutOfOrderKeepTheCacheFilled() async throws {
        let harness = try await ServiceHarness()
        let deltas = try await twoUnappliedCommitsAfterAFill(harness)
        await harness.cache.apply(deltas.reversed())  // one job: applied in seq order
        try await expectAHitOfTheTruth(harness, "both deltas should have been applied to the fill")
        await harness.shutdown()
    }

    @Test func aWriterThatHitsAnUnfinishedFillInvalidatesIt() async throws {
        let harness = try await ServiceHarness()
        _ = try await harness.service.create(try ServiceHarness.draft(id: "a"))
        // The writer commits and applies while the reader is between setting its epoch and adding counters.
        let filled = try await harness.cache.counts(user: "u1") {
            let stale = try await harness.store.counts(user: "u1")
            _ = try await harness.service.create(try ServiceHarness.draft(id: "b"))
            return stale
        }
        #expect(filled.unread == 1)  // this read raced the write; it may answer the older value
        let truth = try await harness.store.counts(user: "u1")
        #expect(try await harness.service.counts(user: "u1") == truth)
        #expect(truth.unread == 2)
        await harness.shutdown()
    }

    /// Fills u1's counts at seq 1, then commits three changes without touching the cache; returns
    /// their deltas in commit order.
    private func threeUnappliedCommitsAfterAFill(_ harness: ServiceHarness) async throws -> [CountsDelta] {
        var deltas = try await twoUnappliedCommitsAfterAFill(harness)
        let third = try await harness.store.change(.read, user: "u1", id: "b", now: .now())
        guard case .changed(let change) = third else {
            Issue.record("unexpected outcome")
            return []
        }
        deltas.append(change.delta)
        return deltas
    }

    /// A job whose deltas for a user leave a gap applies them one `incr` at a time: the run before
    /// the gap lands, the one after it invalidates the lineage, and the next read refills.
    @Test func aGapInOneJobsDeltasInvalidatesTheLineage() async throws {
        let harness = try await ServiceHarness()
        let deltas = try await threeUnappliedCommitsAfterAFill(harness)
        await harness.cache.apply([deltas[0], deltas[2]])
        #expect(try await harness.client.get(harness.keyOfEpoch(user: "u1")) == nil)
        let truth = try await harness.store.counts(user: "u1")
        #expect(try await harness.service.counts(user: "u1") == truth)
        await harness.shutdown()
    }

    /// Another fill replaced the lineage whose epoch this instance remembers: the quiet `incr` under
    /// the old epoch counts for nothing, and the delta reaches the current lineage the long way.
    @Test func anApplyUnderAReplacedEpochReachesTheCurrentLineage() async throws {
        let harness = try await ServiceHarness()
        let deltas = try await twoUnappliedCommitsAfterAFill(harness)
        await harness.cache.apply([deltas[0]])  // remembered epoch, seq 2
        let atSeq2 = await harness.cachedCounts(user: "u1")
        #expect(atSeq2?.seq == 2)
        // Another instance's fill at seq 2, under a new epoch: unread, unseen and seq packed.
        let epochKey = harness.keyOfEpoch(user: "u1")
        let base = String(epochKey.dropLast(2))
        let counts = try #require(atSeq2)
        let packed = UInt64(counts.seq) << 36 | UInt64(counts.unread) << 18 | UInt64(counts.unseen)
        try await harness.client.set(epochKey, value: Array("beef".utf8))
        try await harness.client.set("\(base):beef:c", value: Array(String(packed).utf8))
        await harness.cache.apply([deltas[1]])
        let truth = try await harness.store.counts(user: "u1")
        #expect(try await harness.client.get(epochKey)?.string == "beef", "the new lineage was kept")
        #expect(await harness.cachedCounts(user: "u1") == truth)
        await harness.shutdown()
    }

    /// The server refuses the quiet `incr` (here its counter is not a number; under load, a fill's
    /// `add` created it first): the lineage is invalidated, memcached stays in use, and the next
    /// read fills the truth. Before, the refusal marked the whole cache down.
    @Test func aQuietIncrementTheServerRefusesInvalidatesTheLineageOnly() async throws {
        let harness = try await ServiceHarness()
        let deltas = try await twoUnappliedCommitsAfterAFill(harness)
        try await expectARefusedIncrementInvalidatesTheLineageOnly(harness, applying: deltas)
        try await expectAHitOfTheTruth(harness, "the next read after the refill should hit")
        await harness.shutdown()
    }

    /// Applies queued while the writer runs a transaction's completions (``AfterCompletions``) run
    /// right after them, on that thread, and keep the lineage exact.
    @Test func appliesQueuedInAScopeRunOnItsThreadRightAfter() async throws {
        let harness = try await ServiceHarness()
        let deltas = try await twoUnappliedCommitsAfterAFill(harness)
        let cache = harness.cache
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<(Int, Int, Bool), Never>) in
            Thread {
                let thread = pthread_self()
                let answers = LockedBox<[Bool]>([])
                var answeredInBody = -1
                AfterCompletions.collect {
                    for delta in deltas {
                        cache.apply([delta]) { answers.value.append(pthread_equal(pthread_self(), thread) != 0) }
                    }
                    answeredInBody = answers.value.count
                }
                continuation.resume(returning: (answeredInBody, answers.value.count, answers.value.allSatisfy { $0 }))
            }.start()
        }
        #expect(outcome.0 == 0, "nothing ran before the completions ended")
        #expect(outcome.1 == 2, "both ran before the scope returned")
        #expect(outcome.2, "on the scope's thread")
        try await expectAHitOfTheTruth(harness, "both deltas should have been applied to the fill")
        await harness.shutdown()
    }

    /// An instance that does not remember the user's epoch (here a second cache over the same
    /// generation) reads it before its `incr`, and the lineage stays exact and filled.
    @Test func anApplyWhoseEpochIsNotRememberedKeepsTheLineageExact() async throws {
        let harness = try await ServiceHarness()
        let deltas = try await twoUnappliedCommitsAfterAFill(harness)
        let other = MemcachedCountsCache(health: harness.health)
        await other.apply(deltas)
        try await expectAHitOfTheTruth(harness, "both deltas should have been applied to the fill")
        await harness.shutdown()
    }

    /// A job with a gap applies with plain `incr`s (``aGapInOneJobsDeltasInvalidatesTheLineage``);
    /// the server refusing the first of them (its counter is not a number) invalidates the
    /// lineage as the quiet one's refusal does, and memcached stays in use.
    @Test func aPlainIncrementTheServerRefusesInvalidatesTheLineageOnly() async throws {
        let harness = try await ServiceHarness()
        let deltas = try await threeUnappliedCommitsAfterAFill(harness)
        try await expectARefusedIncrementInvalidatesTheLineageOnly(harness, applying: [deltas[0], deltas[2]])
        await harness.shutdown()
    }

    /// A delta the packed counter cannot take (`PackedCounts`: a count change beyond 17 bits, as
    /// a group commit joining more than 131,071 creates of one user would make, or a seq beyond
    /// 27 bits) cannot be proven by an `incr`'s answer: the lineage is invalidated, never kept
    /// behind its user. (The deltas are made up; the store never saw them.)
    @Test(arguments: [(1 << 17, 2), (1, 1 << 27)] as [(Int64, Int64)])
    func aDeltaTooLargeToPackInvalidatesTheLineage(unread: Int64, seqAfter: Int64) async throws {
        let harness = try await ServiceHarness()
        _ = try await harness.service.create(try ServiceHarness.draft(id: "a"))
        #expect(try await harness.service.counts(user: "u1").unread == 1)  // filled at seq 1
        let epochKey = harness.keyOfEpoch(user: "u1")
        #expect(try await harness.client.get(epochKey) != nil)
        await harness.cache.apply([
            CountsDelta(user: "u1", unread: unread, unseen: 0, events: seqAfter - 1, seqAfter: seqAfter)
        ])
        #expect(harness.health.status == .up)
        #expect(try await harness.client.get(epochKey) == nil, "the lineage was invalidated")
        await harness.shutdown()
    }

    /// Makes u1's counter not a number, applies `deltas` in one job, and expects the lineage
    /// invalidated, memcached still in use (up, same generation) and the counts read the truth.
    private func expectARefusedIncrementInvalidatesTheLineageOnly(
        _ harness: ServiceHarness, applying deltas: [CountsDelta]
    ) async throws {
        let epochKey = harness.keyOfEpoch(user: "u1")
        let epoch = try #require(try await harness.client.get(epochKey)?.string)
        try await harness.client.set("\(epochKey.dropLast(2)):\(epoch):c", value: Array("not a number".utf8))
        let generation = harness.health.generation
        await harness.cache.apply(deltas)
        #expect(harness.health.status == .up)
        #expect(harness.health.generation == generation)
        #expect(try await harness.client.get(epochKey) == nil, "the lineage was invalidated")
        #expect(try await harness.service.counts(user: "u1") == (try await harness.store.counts(user: "u1")))
    }
}
