import Foundation
import HeraldCache
import HeraldCore
import HeraldTestSupport
import Testing

@Suite(.timeLimit(.minutes(1)))
struct NotificationCacheTests {
    func cachedRead(
        _ harness: ServiceHarness, _ id: String, user: String = "u1"
    ) async throws -> HeraldCore.Notification? {
        try await harness.notificationCache.notification(user: user, id: id, now: .now()) {
            Issue.record("expected a cache hit for \(id)")
            return nil
        }
    }

    @Test func secondReadHitsAndWritesInvalidate() async throws {
        let harness = try await ServiceHarness()
        _ = try await harness.service.create(try ServiceHarness.draft(id: "a"))
        #expect(try await harness.service.notification(user: "u1", id: "a")?.readAt == nil)  // fills
        #expect(try await cachedRead(harness, "a")?.readAt == nil)
        _ = try await harness.service.change(.read, user: "u1", id: "a")
        #expect(try await harness.service.notification(user: "u1", id: "a")?.readAt != nil)
        #expect(try await cachedRead(harness, "a")?.readAt != nil)
        _ = try await harness.service.delete(user: "u1", id: "a")
        #expect(try await harness.service.notification(user: "u1", id: "a") == nil)
        await harness.shutdown()
    }

    /// Every field comes back from memcached as it went in, `data`'s numbers exactly: integers
    /// beyond `Int64` were doubles when entries were read with `JSONDecoder`.
    @Test func aCachedNotificationIsTheStoredOneExactly() async throws {
        let harness = try await ServiceHarness()
        let data = try JSONReader.parse(
            #"{"big":12345678901234567890,"neg":-99999999999999999999,"f":1e20,"s":"é\u0000","n":[null,true,0.5]}"#.utf8
        )
        let draft = try NotificationDraft(
            user: "u1", id: "a", type: "t", title: nil, body: "b", data: data.objectMembers ?? [:], tags: ["x", "y"],
            ttlSeconds: 60)
        _ = try await harness.service.create(draft)
        _ = try await harness.service.change(.archive, user: "u1", id: "a")
        let stored = try #require(try await harness.service.notification(user: "u1", id: "a"))  // fills
        #expect(stored.data["big"] == .bigInteger("12345678901234567890"))
        #expect(try await cachedRead(harness, "a") == stored)
        #expect(
            stored.data.json
                == #"{"big":12345678901234567890,"f":1e+20,"n":[null,true,0.5],"neg":-99999999999999999999,"s":"é\u0000"}"#
        )
        #expect(NotificationData(stored.data.members).json == stored.data.json)
        await harness.shutdown()
    }

    /// The event loop's read (`cachedNotification`), which guesses the user's epoch from the last
    /// one it saw: a fresh entry only. After a bulk change the remembered epoch's entries are
    /// still in memcached, unread; they must never be answered.
    @Test func theEventLoopsReadNeverAnswersARetiredEpoch() async throws {
        let harness = try await ServiceHarness()
        let cache = harness.notificationCache
        // Another instance over the same memcached, with epochs of its own to remember.
        let other = MemcachedNotificationCache(health: harness.health)
        let store = harness.store
        func peek(_ cache: MemcachedNotificationCache, _ id: String) async -> HeraldCore.Notification? {
            let json = await withCheckedContinuation { continuation in
                cache.cachedNotification(user: "u1", id: id, now: .now()) { continuation.resume(returning: $0) }
            }
            return json.flatMap { HeraldCore.Notification(json: $0.bytes) }
        }
        func fill(_ cache: MemcachedNotificationCache, _ id: String) async throws -> HeraldCore.Notification? {
            try await cache.notification(user: "u1", id: id, now: .now()) {
                try await store.notification(user: "u1", id: id, now: .now())
            }
        }
        _ = try await harness.service.create(try ServiceHarness.draft(id: "a"))
        #expect(await peek(cache, "a") == nil)  // no epoch yet
        #expect(try await fill(cache, "a")?.readAt == nil)
        #expect(await peek(cache, "a")?.readAt == nil)  // the remembered epoch, one round trip
        #expect(await peek(other, "a")?.readAt == nil)  // the epoch read first, then remembered
        _ = try await harness.service.readAll(user: "u1", filter: .init())
        #expect(await peek(cache, "a") == nil)
        #expect(await peek(other, "a") == nil)
        // A new epoch, made by the other instance: this one's guess is wrong and it follows the
        // epoch it reads back.
        #expect(try await fill(other, "a")?.readAt != nil)
        #expect(await peek(cache, "a")?.readAt != nil)
        #expect(await peek(cache, "a")?.readAt != nil)
        _ = try await harness.service.change(.unread, user: "u1", id: "a")
        #expect(await peek(cache, "a") == nil)
        #expect(try await fill(cache, "a")?.readAt == nil)
        #expect(await peek(other, "a")?.readAt == nil)
        // Once more with this instance still remembering the retired epoch (no read of its own
        // between): its one round trip reads the new epoch beside its guess's entry, which is
        // stale, and answers the new epoch's entry instead.
        _ = try await harness.service.readAll(user: "u1", filter: .init())
        #expect(try await fill(other, "a")?.readAt != nil)
        #expect(await peek(cache, "a")?.readAt != nil)
        await harness.shutdown()
    }

    @Test func bulkChangesRetireEveryEntryOfTheUser() async throws {
        let harness = try await ServiceHarness()
        for id in ["a", "b", "c"] {
            _ = try await harness.service.create(try ServiceHarness.draft(id: id))
            _ = try await harness.service.notification(user: "u1", id: id)
        }
        _ = try await harness.service.readAll(user: "u1", filter: .init())
        for id in ["a", "b", "c"] {
            let notification = try await harness.service.notification(user: "u1", id: id)
            #expect(notification?.readAt != nil && notification?.seenAt != nil, "\(id)")
        }
        await harness.shutdown()
    }

    @Test func aWriteDuringAFillNeverLeavesAStaleEntry() async throws {
        let harness = try await ServiceHarness()
        _ = try await harness.service.create(try ServiceHarness.draft(id: "a"))
        // The reader loads the old state; the writer commits and invalidates before the reader stores it.
        let stale = try await harness.notificationCache.notification(user: "u1", id: "a", now: .now()) {
            let before = try await harness.store.notification(user: "u1", id: "a", now: .now())
            _ = try await harness.service.change(.read, user: "u1", id: "a")
            return before
        }
        #expect(stale?.readAt == nil)  // that read raced the write
        #expect(try await harness.service.notification(user: "u1", id: "a")?.readAt != nil)
        #expect(try await harness.service.notification(user: "u1", id: "a")?.readAt != nil)
        await harness.shutdown()
    }

    @Test func expiredNotificationsAreNeverServedFromTheCache() async throws {
        let harness = try await ServiceHarness()
        _ = try await harness.service.create(try ServiceHarness.draft(id: "short", ttl: 2))
        #expect(try await harness.service.notification(user: "u1", id: "short") != nil)
        try await Task.sleep(for: .milliseconds(2100))
        #expect(try await harness.service.notification(user: "u1", id: "short") == nil)
        await harness.shutdown()
    }

    /// An entry memcached still holds past its notification's `expires_at` (its clock behind, or
    /// the entry's lifetime rounded to whole seconds) is neither served nor kept: the read drops
    /// it and goes to the store.
    @Test func anEntryPastItsNotificationsExpiryIsDroppedNotServed() async throws {
        let harness = try await ServiceHarness()
        _ = try await harness.service.create(try ServiceHarness.draft(id: "a", ttl: 3600))
        #expect(try await harness.service.notification(user: "u1", id: "a") != nil)  // fills
        #expect(try await cachedRead(harness, "a") != nil)
        let loaded = LockedBox(0)
        let later = try await harness.notificationCache.notification(
            user: "u1", id: "a", now: Timestamp.now().adding(seconds: 7200)
        ) {
            loaded.withLock { $0 += 1 }
            return nil  // as the store answers for an expired notification
        }
        #expect(later == nil && loaded.value == 1)
        // The entry is gone: the next read at the present time misses and loads.
        let now = try await harness.notificationCache.notification(user: "u1", id: "a", now: .now()) {
            loaded.withLock { $0 += 1 }
            return try await harness.store.notification(user: "u1", id: "a", now: .now())
        }
        #expect(now?.id == "a" && loaded.value == 2)
        await harness.shutdown()
    }

    /// A notification expires at its `expires_at`, as the store has it (`expires_at > now` is
    /// live): both cache reads serve its entry until the millisecond before, and neither at it.
    @Test func anEntryIsServedUntilTheInstantItsNotificationExpires() async throws {
        let harness = try await ServiceHarness()
        let cache = harness.notificationCache
        _ = try await harness.service.create(try ServiceHarness.draft(id: "edge", ttl: 3600))
        let expiresAt = try #require(try await harness.service.notification(user: "u1", id: "edge")).expiresAt  // fills
        let before = Timestamp(milliseconds: expiresAt.milliseconds - 1)
        func peek(at now: Timestamp) async -> NotificationJSON? {
            await withCheckedContinuation { continuation in
                cache.cachedNotification(user: "u1", id: "edge", now: now) { continuation.resume(returning: $0) }
            }
        }
        #expect(await peek(at: before)?.id == "edge")
        #expect(await peek(at: expiresAt) == nil)
        let loads = LockedBox(0)
        func read(at now: Timestamp) async throws -> HeraldCore.Notification? {
            try await cache.notification(user: "u1", id: "edge", now: now) {
                loads.withLock { $0 += 1 }
                return nil  // as the store answers for an expired notification
            }
        }
        #expect(try await read(at: before)?.id == "edge" && loads.value == 0)
        #expect(try await read(at: expiresAt) == nil && loads.value == 1)
        await harness.shutdown()
    }

    /// An entry lives the cache's TTL (a day by default), or less where its notification expires
    /// sooner: never as long as a notification that outlives the TTL (30 days by default). The
    /// user's epoch, made with the same TTL, would hide an entry that outlived it (unread, though
    /// memcached keeps it until its own time is up): here it is set without one, so that the
    /// entry's time alone decides.
    @Test func anEntryLivesTheCachesTTLNotItsNotificationsLife() async throws {
        let (harness, cache) = try await cacheWithPinnedEpoch(entriesLiving: 2, notificationLiving: 3600)
        let loads = LockedBox(0)
        func read() async throws -> HeraldCore.Notification? {
            try await Self.readA(cache, harness) { loads.withLock { $0 += 1 } }
        }
        #expect(try await read()?.id == "a" && loads.value == 1)  // fills
        #expect(try await read()?.id == "a" && loads.value == 1)  // its entry, memcached's 1–2 s left
        try await Task.sleep(for: .milliseconds(3100))
        #expect(try await read()?.id == "a" && loads.value == 2)  // gone: loaded again
        await harness.shutdown()
    }

    /// A notification with between 1 and 2 s of life left is cached for that second, memcached's
    /// shortest entry (the fill's `cas` counted on the harness's own server: an entry of 1 s may
    /// expire at once, on the server's next clock tick, so a second read would not tell). The read
    /// is given a moment 1.5 s before the expiry, so no pause on a loaded machine changes what is
    /// left; and it is tried until it fills, as a read while the cache counts as down (an operation
    /// timed out under load) goes to the store alone.
    @Test func aNotificationWithUnderTwoSecondsLeftIsCachedForOne() async throws {
        let (harness, cache) = try await cacheWithPinnedEpoch(entriesLiving: 3600, notificationLiving: 3600)
        let expiresAt = try #require(try await harness.store.notification(user: "u1", id: "a", now: .now())?.expiresAt)
        let moment = Timestamp(milliseconds: expiresAt.milliseconds - 1500)
        func fills() -> Int? { harness.memcached.stats()?["cas_hits"].flatMap { Int($0) } }
        let before = try #require(fills())
        let filled = try await ServiceHarness.eventually {
            try await Self.readA(cache, harness, at: moment)?.id == "a" && (fills() ?? before) > before
        }
        #expect(filled)
        await harness.shutdown()
    }

    /// A harness whose `u1` has one notification, `a`, living `notificationLiving` seconds, and a
    /// cache whose entries live `entriesLiving` seconds, with `u1`'s notification epoch set
    /// without a TTL (so that an entry's own time decides how long it stays).
    private func cacheWithPinnedEpoch(
        entriesLiving: Int, notificationLiving: Int64
    ) async throws -> (ServiceHarness, MemcachedNotificationCache) {
        let harness = try await ServiceHarness()
        let cache = MemcachedNotificationCache(health: harness.health, ttlSeconds: entriesLiving)
        _ = try await harness.service.create(try ServiceHarness.draft(id: "a", ttl: notificationLiving))
        try await harness.client.set(harness.keyOfNotificationEpoch(user: "u1"), value: Array("5ea1ed".utf8))
        return (harness, cache)
    }

    /// `u1`'s `a` through `cache` at `now`, loaded on a miss from the harness's store (after
    /// `loading`).
    private static func readA(
        _ cache: MemcachedNotificationCache, _ harness: ServiceHarness, at now: Timestamp = .now(),
        loading: @escaping @Sendable () -> Void = {}
    ) async throws -> HeraldCore.Notification? {
        let store = harness.store
        return try await cache.notification(user: "u1", id: "a", now: now) {
            loading()
            return try await store.notification(user: "u1", id: "a", now: .now())
        }
    }

    @Test func longestIdentifiersFitTheKeyLimit() async throws {
        let harness = try await ServiceHarness()
        let user = String(repeating: "u", count: 128)
        let id = String(repeating: "i", count: 128)
        _ = try await harness.service.create(try ServiceHarness.draft(user: user, id: id))
        #expect(try await harness.service.notification(user: user, id: id)?.id == id)
        #expect(try await cachedRead(harness, id, user: user)?.user == user)
        #expect(try await harness.service.counts(user: user).unread == 1)
        #expect(harness.health.status == .up)
        await harness.shutdown()
    }

    @Test func memcachedDownStillAnswersFromTheStore() async throws {
        let harness = try await ServiceHarness()
        _ = try await harness.service.create(try ServiceHarness.draft(id: "a"))
        _ = try await harness.service.notification(user: "u1", id: "a")
        harness.memcached.kill()
        _ = try await harness.service.change(.read, user: "u1", id: "a")
        #expect(try await harness.service.notification(user: "u1", id: "a")?.readAt != nil)
        try harness.memcached.start()
        #expect(await ServiceHarness.eventually { harness.health.status == .up })
        #expect(try await harness.service.notification(user: "u1", id: "a")?.readAt != nil)
        await harness.shutdown()
    }
}
