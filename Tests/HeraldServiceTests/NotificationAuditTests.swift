import HeraldCore
import HeraldTestSupport
import Logging
import Memcached
import Testing

@testable import HeraldCache

/// `NotificationAudit`: the notifications last served or filled from the cache, compared with the
/// store on a real memcached and a real SQLite file; an entry that still disagrees when read again
/// is dropped.
@Suite(.timeLimit(.minutes(1)))
struct NotificationAuditTests {
    private func audit(_ harness: ServiceHarness, _ recorder: LogRecorder = LogRecorder()) -> NotificationAudit {
        NotificationAudit(cache: harness.notificationCache, recheckAfter: .milliseconds(50), logger: recorder.logger())
    }

    private func storeLoad(_ harness: ServiceHarness) -> NotificationAudit.Load {
        { user, id, now in try await harness.store.notification(user: user, id: id, now: now) }
    }

    /// Creates `a` for u1 and reads it through the cache until an entry holds it.
    private func cachedNotification(_ harness: ServiceHarness) async throws -> HeraldCore.Notification {
        _ = try await harness.service.create(try ServiceHarness.draft(id: "a"))
        let filled = try #require(try await harness.service.notification(user: "u1", id: "a"))
        // A read that timed out under load marks the cache down and fills nothing: read again.
        let entry = CachedNotificationID(user: "u1", id: "a")
        #expect(
            await ServiceHarness.eventually {
                if await harness.notificationCache.entryForAudit(entry, now: .now()) != nil { return true }
                _ = try? await harness.service.notification(user: "u1", id: "a")
                return false
            })
        return filled
    }

    /// What a write that skipped its invalidation leaves: a notification deleted in the store
    /// alone, its entry still served.
    @Test func anEntryThatOutlivedItsNotificationIsLoggedAndDropped() async throws {
        let harness = try await ServiceHarness()
        let recorder = LogRecorder()
        let filled = try await cachedNotification(harness)
        _ = try await harness.store.delete(user: "u1", id: "a", now: .now())
        #expect(try await harness.service.notification(user: "u1", id: "a") == filled, "served from the cache")

        #expect(await audit(harness, recorder).pass(load: storeLoad(harness)) == [.differ: 1])
        #expect(try await harness.service.notification(user: "u1", id: "a") == nil)
        let errors = recorder.logged.filter { $0.level == .error }
        #expect(errors.count == 1)
        #expect(errors.first?.metadata["id"] == "a")
        #expect(errors.first?.metadata["stored"] == "none (deleted or expired)")
        await harness.shutdown()
    }

    /// Reads served from the cache and fills note their notifications; each pass takes those noted
    /// since the one before (not those its own reads met).
    @Test func anEntryThatAgreesStaysAndIsComparedOncePerServing() async throws {
        let harness = try await ServiceHarness()
        _ = try await cachedNotification(harness)
        let audit = audit(harness)
        #expect(await audit.pass(load: storeLoad(harness)) == [.agree: 1])
        #expect(await audit.pass(load: storeLoad(harness)) == [:])
        _ = try await harness.service.notification(user: "u1", id: "a")  // a hit
        #expect(await audit.pass(load: storeLoad(harness)) == [.agree: 1])
        let served = await withCheckedContinuation { continuation in
            harness.notificationCache.cachedNotification(user: "u1", id: "a", now: .now()) {
                continuation.resume(returning: $0)
            }
        }
        #expect(served != nil)  // the event loop's read
        #expect(await audit.pass(load: storeLoad(harness)) == [.agree: 1])
        #expect(await harness.notificationCache.entryForAudit(.init(user: "u1", id: "a"), now: .now()) != nil)
        await harness.shutdown()
    }

    /// A store read that disagrees because a write committed between the reads is no difference:
    /// the write's invalidation replaces the entry, or the store agrees when read again.
    @Test func aWriteBetweenTheReadsIsNotADifference() async throws {
        let harness = try await ServiceHarness()
        let filled = try await cachedNotification(harness)
        var read = filled
        read.readAt = .now()
        let readOnce = read
        let calls = LockedBox(0)
        let disagreeingOnce: NotificationAudit.Load = { user, id, now in
            calls.value += 1
            return calls.value == 1 ? readOnce : try await harness.store.notification(user: user, id: id, now: now)
        }
        harness.notificationCache.recentEntries.note([CachedNotificationID(user: "u1", id: "a")])
        #expect(await audit(harness).pass(load: disagreeingOnce) == [.changed: 1])
        #expect(calls.value == 2)
        #expect(await harness.notificationCache.entryForAudit(.init(user: "u1", id: "a"), now: .now()) != nil)

        let invalidatingOnce: NotificationAudit.Load = { user, id, now in
            await harness.notificationCache.invalidate(user: user, ids: [id])
            return readOnce
        }
        harness.notificationCache.recentEntries.note([CachedNotificationID(user: "u1", id: "a")])
        #expect(await audit(harness).pass(load: invalidatingOnce) == [.changed: 1])
        await harness.shutdown()
    }
}
