import HeraldCore
import HeraldTestSupport
import Memcached
import Testing

@testable import HeraldCache

/// The in-process answer to "may this user's counts have a lineage?", which lets a committed change
/// of a user nobody read skip memcached (see ``LineageFilter``).
@Suite(.timeLimit(.minutes(1)))
struct LineageFilterTests {
    @Test func saysNoOnlyForUsersNeverMarkedUnderTheirGeneration() {
        let filter = LineageFilter(bits: 1 << 16)
        let users = (0..<200).map { "user\($0)" }
        #expect(filter.mayHaveLineage(users.map { ($0, 7) }).allSatisfy { !$0 }, "an empty filter says no")
        for user in users where user.hasSuffix("3") { filter.mark(user, generation: 7) }
        let answers = filter.mayHaveLineage(users.map { ($0, 7) })
        for (user, answer) in zip(users, answers) where user.hasSuffix("3") {
            #expect(answer, "a marked user must always be a maybe: \(user)")
        }
        // A collision may say maybe for an unmarked user; with 20 of 65,536 bits set, nearly never.
        #expect(answers.filter { $0 }.count < 25)
    }

    /// The smallest filter, one word of 64 bits: every marked user is a maybe in it too.
    @Test func theSmallestFilterIsOneWord() {
        let filter = LineageFilter(bits: 64)
        let users = (0..<10).map { "user\($0)" }
        for user in users { filter.mark(user, generation: 3) }
        #expect(filter.mayHaveLineage(users.map { ($0, 3) }).allSatisfy { $0 })
        #expect(filter.mayHaveLineage(users.map { ($0, 4) }).allSatisfy { !$0 })
    }

    @Test func aNewGenerationStartsEmptyAndAnOlderOneIsAlwaysAMaybe() {
        let filter = LineageFilter(bits: 1 << 16)
        filter.mark("a", generation: 1)
        #expect(filter.mayHaveLineage([("a", 1), ("a", 2), ("b", 2)]) == [true, false, false])
        filter.mark("b", generation: 2)  // the generation was bumped: generation 1's marks are gone
        #expect(filter.mayHaveLineage([("a", 2), ("b", 2), ("a", 1), ("z", 1)]) == [false, true, true, true])
        filter.mark("c", generation: 1)  // a job that raced the bump changes nothing of generation 2
        #expect(filter.mayHaveLineage([("c", 2), ("b", 2)]) == [false, true])
    }

    /// A change of a user whose counts this instance never read does not reach memcached: an epoch
    /// and counter planted behind the instance's back stay as they were. Once the instance has read
    /// (and so filled) a user's counts, that user's changes are applied there again.
    @Test func changesOfUsersNobodyReadSkipMemcached() async throws {
        let harness = try await ServiceHarness()
        let generation = harness.health.generation
        let planted = CountsCacheKeys(base: harness.health.keyBase, generation: generation, user: "u9").counters("e9")
        let value = Array(String(PackedCounts.value(of: Counts(user: "u9", unread: 0, unseen: 0, seq: 0))!).utf8)
        try await harness.client.set(harness.keyOfEpoch(user: "u9"), value: Array("e9".utf8))
        try await harness.client.set(planted.counts, value: value)
        _ = try await harness.service.create(try ServiceHarness.draft(user: "u9", id: "a"))
        #expect(try await harness.client.get(harness.keyOfEpoch(user: "u9"))?.string == "e9")
        #expect(try await harness.client.get(planted.counts)?.value == value, "the apply reached memcached")

        _ = try await harness.service.create(try ServiceHarness.draft(user: "u1", id: "a"))
        #expect(try await harness.service.counts(user: "u1").unread == 1)  // a miss: fills
        _ = try await harness.service.create(try ServiceHarness.draft(user: "u1", id: "b"))
        let hit = try await harness.cache.counts(user: "u1") {
            Issue.record("the create after the fill should have been applied to it")
            return .empty(user: "u1")
        }
        #expect(hit == Counts(user: "u1", unread: 2, unseen: 2, seq: 2))
        await harness.shutdown()
    }

    /// Likewise for the notification cache: a change of a notification of a user no single-notification
    /// read ever gave an epoch deletes nothing (a planted entry stays); after such a read it does.
    @Test func invalidationsOfUsersNobodyReadSkipMemcached() async throws {
        let harness = try await ServiceHarness()
        let generation = harness.health.generation
        for user in ["u9", "u1"] { _ = try await harness.service.create(try ServiceHarness.draft(user: user, id: "a")) }
        let planted = NotificationCacheKeys(base: harness.health.keyBase, generation: generation, user: "u9")
        try await harness.client.set(planted.epoch, value: Array("e9".utf8))
        try await harness.client.set(planted.entry("e9", id: "a"), value: Array("X".utf8))
        #expect(try await harness.service.markAllSeen(user: "u9").event != nil)
        guard case .changed = try await harness.service.change(.read, user: "u9", id: "a") else {
            Issue.record("the read changed nothing")
            return
        }
        #expect(try await harness.client.get(planted.epoch)?.string == "e9", "the read-all reached memcached")
        #expect(try await harness.client.get(planted.entry("e9", id: "a"))?.string == "X", "the change did")

        let read = NotificationCacheKeys(base: harness.health.keyBase, generation: generation, user: "u1")
        #expect(try await harness.service.notification(user: "u1", id: "a")?.readAt == nil)  // makes an epoch, fills
        let epoch = try #require(try await harness.client.get(read.epoch)?.string)
        #expect(try await harness.client.get(read.entry(epoch, id: "a")) != nil)
        _ = try await harness.service.change(.read, user: "u1", id: "a")
        #expect(try await harness.client.get(read.entry(epoch, id: "a")) == nil, "the change left the entry")
        #expect(try await harness.service.notification(user: "u1", id: "a")?.readAt != nil)
        await harness.shutdown()
    }
}
