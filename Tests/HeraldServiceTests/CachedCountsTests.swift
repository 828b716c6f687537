import HeraldCore
import HeraldTestSupport
import Memcached
import Testing

/// `HeraldService.cachedCounts`: the counts cache read by the event loops' fast path, which answers
/// only proven values and never starts a fill.
@Suite(.timeLimit(.minutes(1)))
struct CachedCountsTests {
    @Test func answersProvenCountsOnlyAndChangesNothingOnAMiss() async throws {
        let harness = try await ServiceHarness()
        for id in ["a", "b"] { _ = try await harness.service.create(try ServiceHarness.draft(id: id)) }
        #expect(await harness.cachedCounts(user: "u1") == nil)
        #expect(try await harness.client.get(harness.keyOfEpoch(user: "u1")) == nil, "a miss started a fill")
        let filled = try await harness.service.counts(user: "u1")
        #expect(await harness.cachedCounts(user: "u1") == filled)
        _ = try await harness.service.change(.read, user: "u1", id: "a")
        #expect(await harness.cachedCounts(user: "u1") == Counts(user: "u1", unread: 1, unseen: 1, seq: 3))
        // A lineage a writer invalidated is not served.
        try await harness.client.delete(harness.keyOfEpoch(user: "u1"))
        #expect(await harness.cachedCounts(user: "u1") == nil)
        _ = try await harness.service.counts(user: "u1")
        #expect(await harness.cachedCounts(user: "u1") != nil)
        harness.memcached.kill()
        #expect(await harness.cachedCounts(user: "u1") == nil)
        // This read notices the outage when the cache is up. Should a timeout under load have
        // marked it down before the kill, the read skips memcached, and the probe, which may have
        // pinged the server just before the kill and brought the cache back up after it, notices
        // within its interval (one CI run saw the status still up right after the read).
        #expect(await ServiceHarness.eventually { harness.health.status == .down })
        #expect(try await harness.service.counts(user: "u1") == (try await harness.store.counts(user: "u1")))
        await harness.shutdown()
    }

    /// Counts asked for after the memcached client shut down (a stopping server still answering):
    /// their job cannot start, and fails at once rather than leaving the caller waiting; the cache
    /// goes down and the store answers.
    @Test func workQueuedAfterTheClientShutDownFailsRatherThanWaits() async throws {
        let harness = try await ServiceHarness()
        _ = try await harness.service.create(try ServiceHarness.draft(id: "a"))
        _ = try await harness.service.counts(user: "u1")  // a lineage, for the create below to apply to
        await harness.client.shutdown()
        _ = try await harness.service.create(try ServiceHarness.draft(id: "b"))
        #expect(await harness.cachedCounts(user: "u1") == nil)
        let stored = try await harness.store.counts(user: "u1")
        #expect(stored.unread == 2)
        #expect(try await harness.service.counts(user: "u1") == stored)
        #expect(harness.health.status == .down)
        await harness.shutdown()
    }

    /// A read-only job guesses each user's epoch from the last job; a lineage replaced or dropped
    /// behind its back (another instance's fill, an invalidation) is never read under the old guess.
    @Test func aRememberedEpochIsOnlyAGuess() async throws {
        let harness = try await ServiceHarness()
        _ = try await harness.service.create(try ServiceHarness.draft(id: "a"))
        let filled = try await harness.service.counts(user: "u1")  // remembers the fill's epoch
        #expect(await harness.cachedCounts(user: "u1") == filled)
        let epochKey = harness.keyOfEpoch(user: "u1")
        let base = String(epochKey.dropLast(2))
        try await harness.client.set(epochKey, value: Array("beef".utf8))
        // unread 7, unseen 8 and seq 9 packed in one counter: seq << 36 | unread << 18 | unseen
        let packed = UInt64(9) << 36 | UInt64(7) << 18 | UInt64(8)
        try await harness.client.set("\(base):beef:c", value: Array(String(packed).utf8))
        #expect(await harness.cachedCounts(user: "u1") == Counts(user: "u1", unread: 7, unseen: 8, seq: 9))
        #expect(await harness.cachedCounts(user: "u1") == Counts(user: "u1", unread: 7, unseen: 8, seq: 9))
        try await harness.client.delete(epochKey)
        #expect(await harness.cachedCounts(user: "u1") == nil)
        let reloaded = try await harness.service.counts(user: "u1")
        #expect(reloaded == filled)
        try await harness.client.set(epochKey, value: Array("beef".utf8))  // back to an old lineage
        try await harness.client.delete("\(base):beef:c")
        #expect(await harness.cachedCounts(user: "u1") == nil)
        await harness.shutdown()
    }

    /// Once this process has set or read a user's epoch, a change to the user is applied in one
    /// round trip: the quiet `incr` under the remembered epoch, then that epoch and the counter read
    /// back together, two keys; no read of the epoch before it.
    @Test func aChangeUnderARememberedEpochReadsTwoKeys() async throws {
        let harness = try await ServiceHarness()
        _ = try await harness.service.create(try ServiceHarness.draft(id: "a"))
        _ = try await harness.service.counts(user: "u1")  // the fill sets the epoch: remembered
        let keysRead = { harness.memcached.stats()?["cmd_get"].flatMap { Int($0) } }
        for id in ["b", "c"] {
            let before = try #require(keysRead())
            _ = try await harness.service.create(try ServiceHarness.draft(id: id))
            #expect(try #require(keysRead()) - before == 2)
        }
        #expect(await harness.cachedCounts(user: "u1")?.unread == 3)
        await harness.shutdown()
    }

    /// Counts too large for the packed counter are served by the store, exactly, and never cached; a
    /// cached lineage that a change would push past the limit is dropped rather than wrapped.
    @Test func countsBeyondThePackedLimitsComeFromTheStore() async throws {
        let harness = try await ServiceHarness()
        let loads = LockedBox(0)
        let huge = Counts(user: "big", unread: 200_000, unseen: 150_000, seq: 400_000)
        for _ in 0..<2 {
            let answer = try await harness.cache.counts(user: "big") {
                loads.value += 1
                return huge
            }
            #expect(answer == huge)
        }
        #expect(loads.value == 2)
        #expect(await harness.cachedCounts(user: "big") == nil)

        let limit: Int64 = 131_071
        let full = Counts(user: "full", unread: limit, unseen: 10, seq: 20)
        _ = try await harness.cache.counts(user: "full") { full }
        #expect(await harness.cachedCounts(user: "full") == full)
        let past = CountsDelta(user: "full", unread: 1, unseen: 1, events: 1, seqAfter: 21)
        await harness.cache.apply([past])
        #expect(await harness.cachedCounts(user: "full") == nil)
        let after = Counts(user: "full", unread: limit + 1, unseen: 11, seq: 21)
        #expect(try await harness.cache.counts(user: "full") { after } == after)
        #expect(await harness.cachedCounts(user: "full") == nil)
        await harness.shutdown()
    }

    /// Readers running beside a writer never get counts older than a write that had returned before
    /// they asked, and every answer is the store's state at its seq.
    @Test func answersBesideWritesAreNeverBehindAReturnedWrite() async throws {
        let harness = try await ServiceHarness()
        _ = try await harness.service.create(try ServiceHarness.draft(id: "n"))
        _ = try await harness.service.counts(user: "u1")  // fill
        let returned = LockedBox<Int64>(1)
        let done = ManagedAtomicFlag()
        let answers = LockedBox<[Counts]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    while !done.isSet {
                        let floor = returned.value
                        guard let counts = await harness.cachedCounts(user: "u1") else { continue }
                        #expect(counts.seq >= floor)
                        answers.value.append(counts)
                    }
                }
            }
            group.addTask {
                // Each write toggles the one notification; after seq s it is unread when s is odd.
                for index in 0..<200 {
                    let outcome = try await harness.service.change(
                        index % 2 == 0 ? .read : .unread, user: "u1", id: "n")
                    guard case .changed(let change) = outcome else { throw TestFailure("a toggle changed nothing") }
                    returned.value = change.counts.seq
                }
                done.set()
            }
            try await group.waitForAll()
        }
        #expect(answers.value.count > 50)
        for counts in answers.value { #expect(counts.unread == counts.seq % 2, "\(counts)") }
        await harness.shutdown()
    }
}
