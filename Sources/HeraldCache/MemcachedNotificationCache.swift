import Foundation
public import HeraldCore
import Memcached

/// Single notifications in memcached, kept fresh by delete-on-write and leased fills.
///
/// A reader that misses `add`s a short-lived lease under the entry key, reads the store, then
/// `cas`es the lease into the value. A writer deletes the entry after its commit. Either the delete
/// comes before the lease (so the reader's store read sees the commit), or it removes the lease (so
/// the reader's `cas` fails): a stale entry is never stored. Bulk changes delete the user's
/// notification epoch key instead, retiring all of the user's entries at once.
public final class MemcachedNotificationCache: NotificationCache {
    private let health: CacheHealth
    private let client: MemcachedClient
    private let ttlSeconds: Int
    private static let leaseSeconds = 5

    /// Creates the cache over a shared ``CacheHealth``.
    public init(health: CacheHealth, ttlSeconds: Int = 86_400) {
        self.health = health
        self.client = health.client
        self.ttlSeconds = ttlSeconds
    }

    private func keys(for user: String) -> NotificationCacheKeys? {
        health.keyBase.map { NotificationCacheKeys(base: $0, user: user) }
    }

    public func notification(
        user: String, id: String, now: Timestamp, load: @Sendable () async throws -> HeraldCore.Notification?
    ) async throws -> HeraldCore.Notification? {
        guard let keys = keys(for: user) else { return try await load() }
        do {
            guard let epoch = try await currentEpoch(keys, create: true) else { return try await load() }
            let key = keys.entry(epoch, id: id)
            if let item = try await client.get(key), let cached = Self.decode(item.value),
                cached.user == user, cached.id == id
            {
                if cached.expiresAt > now {
                    CacheMetrics.notificationHits.increment()
                    return cached
                }
                try await client.delete(key)
            }
            CacheMetrics.notificationMisses.increment()
            return try await fill(key, now: now, load: load)
        } catch let error as MemcachedError {
            health.markDown(error)
            return try await load()
        }
    }

    private func fill(
        _ key: String, now: Timestamp, load: @Sendable () async throws -> HeraldCore.Notification?
    ) async throws -> HeraldCore.Notification? {
        let lease = Array("L\(UInt64.random(in: 1...UInt64.max))".utf8)
        guard try await client.add(key, value: lease, expiration: .seconds(Self.leaseSeconds)),
            let leased = try await client.get(key), leased.value == lease
        else {
            return try await load()  // another reader is filling, or a writer just invalidated
        }
        guard let notification = try await load() else { return nil }
        let remaining = Int((notification.expiresAt.milliseconds - now.milliseconds) / 1000)
        let ttl = min(ttlSeconds, remaining)
        if ttl >= 1, let encoded = Self.encode(notification) {
            _ = try await client.compareAndSwap(key, value: encoded, cas: leased.cas, expiration: .seconds(ttl))
        }
        return notification
    }

    /// The user's epoch; with `create`, makes one when missing.
    private func currentEpoch(_ keys: NotificationCacheKeys, create: Bool) async throws(MemcachedError) -> String? {
        if let epoch = try await client.get(keys.epoch)?.string { return epoch }
        guard create else { return nil }
        let fresh = String(UInt64.random(in: 1...UInt64.max), radix: 16)
        if try await client.add(keys.epoch, value: Array(fresh.utf8), expiration: .seconds(ttlSeconds)) {
            return fresh
        }
        return try await client.get(keys.epoch)?.string
    }

    public func invalidate(user: String, ids: [String]) async {
        guard !ids.isEmpty, let keys = keys(for: user) else { return }
        do {
            guard let epoch = try await currentEpoch(keys, create: false) else { return }
            for id in ids { try await client.delete(keys.entry(epoch, id: id)) }
        } catch {
            health.markDown(error)
        }
    }

    public func invalidateAll(user: String) async {
        guard let keys = keys(for: user) else { return }
        do {
            try await client.delete(keys.epoch)
        } catch {
            health.markDown(error)
        }
    }

    private static func encode(_ notification: HeraldCore.Notification) -> [UInt8]? {
        (try? JSONEncoder().encode(notification)).map { Array("N".utf8) + Array($0) }
    }

    private static func decode(_ value: [UInt8]) -> HeraldCore.Notification? {
        guard value.first == UInt8(ascii: "N") else { return nil }
        return try? JSONDecoder().decode(HeraldCore.Notification.self, from: Data(value.dropFirst()))
    }
}
