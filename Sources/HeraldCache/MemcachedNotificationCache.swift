public import HeraldCore
import Memcached

/// Single notifications in memcached, kept fresh by delete-on-write and leased fills.
///
/// A reader that misses `add`s a short-lived lease under the entry key, reads the store, then
/// `cas`es the lease into the value. A writer deletes the entry after its commit. Either the delete
/// comes before the lease (so the reader's store read sees the commit), or it removes the lease (so
/// the reader's `cas` fails): a stale entry is never stored. Bulk changes delete the user's
/// notification epoch key instead, retiring all of the user's entries at once. Entries live under
/// the epoch, which only a reader creates, after marking the user in ``LineageFilter``: a writer
/// whose user the filter has never seen has nothing to delete and skips memcached.
public final class MemcachedNotificationCache: NotificationCache {
    private let health: CacheHealth
    private let client: MemcachedClient
    private let ttlSeconds: Int
    /// Each user's notification epoch as last read or made here, for ``cachedNotification(user:id:now:completion:)``.
    private let knownEpochs = KnownEpochs()
    private static let leaseSeconds = 5
    /// The notifications last served or filled from the cache, which ``NotificationAudit``
    /// compares with the store (its own reads are not noted).
    let recentEntries = RecentlyNoted<CachedNotificationID>()

    /// Creates the cache over a shared ``CacheHealth``.
    public init(health: CacheHealth, ttlSeconds: Int = 86_400) {
        self.health = health
        self.client = health.client
        self.ttlSeconds = ttlSeconds
    }

    public var status: CacheStatus { health.status }

    private func keys(for user: String) -> NotificationCacheKeys? {
        health.keySpace.map { NotificationCacheKeys(base: $0.base, generation: $0.generation, user: user) }
    }

    /// The keys of a user whose entries may need deleting after a commit; nil when the cache is
    /// down or no reader ever made the user a notification epoch under this generation.
    private func staleKeys(for user: String) -> NotificationCacheKeys? {
        guard let keys = keys(for: user), health.notificationEpochs.mayHaveLineage([(user, keys.generation)])[0]
        else { return nil }
        return keys
    }

    public func notification(
        user: String, id: String, now: Timestamp, load: @Sendable () async throws -> HeraldCore.Notification?
    ) async throws -> HeraldCore.Notification? {
        guard let keys = keys(for: user) else { return try await load() }
        let (ttlSeconds, epochs, known) = (self.ttlSeconds, health.notificationEpochs, knownEpochs)
        do {
            // One hop: the entry, or a lease to fill it.
            let lookup = try await CacheMetrics.memcached(.notificationRead) { () async throws(MemcachedError) in
                try await client.withSession { session throws(MemcachedError) -> Lookup in
                    guard let epoch = try session.epoch(keys, creatingAfter: epochs, ttlSeconds: ttlSeconds) else {
                        return .bypass
                    }
                    known.update([keys.epoch: epoch])
                    let key = keys.entry(epoch, id: id)
                    if let item = try session.get(key), let cached = Self.entry(item.value, user: user, id: id) {
                        if cached.expiresAt > now { return .hit(cached) }
                        try session.delete(key)
                    }
                    let lease = Array("L\(UInt64.random(in: 1...UInt64.max))".utf8)
                    guard try session.add(key, value: lease, expiration: .seconds(Self.leaseSeconds)),
                        let leased = try session.get(key), leased.value == lease
                    else { return .contended }  // another reader is filling, or a writer just invalidated
                    return .leased(key: key, cas: leased.cas)
                }
            }
            switch lookup {
            case .hit(let notification):
                CacheMetrics.notificationHits.increment()
                recentEntries.note(CachedNotificationID(user: user, id: id))
                return notification
            case .bypass:
                CacheMetrics.notificationMisses.increment()
                return try await load()
            case .contended:
                CacheMetrics.notificationMisses.increment()
                CacheMetrics.leaseConflicts.increment()
                return try await load()
            case .leased(let key, let cas):
                CacheMetrics.notificationMisses.increment()
                guard let notification = try await load() else { return nil }  // strictly after the lease
                let ttl = min(ttlSeconds, Int((notification.expiresAt.milliseconds - now.milliseconds) / 1000))
                if ttl >= 1, let encoded = Self.encode(notification) {
                    let filled = try await CacheMetrics.memcached(.notificationFill) {
                        () async throws(MemcachedError) in
                        try await client.compareAndSwap(key, value: encoded, cas: cas, expiration: .seconds(ttl))
                    }
                    if filled == .stored {
                        recentEntries.note(CachedNotificationID(user: user, id: id))
                    }
                }
                return notification
            }
        } catch let error as MemcachedError {
            health.markDown(error)
            return try await load()
        }
    }

    public func cachedNotification(
        user: String, id: String, now: Timestamp,
        completion: @escaping @Sendable (NotificationJSON?) -> Void
    ) {
        guard let keys = keys(for: user) else { return completion(nil) }
        let (health, known, recentEntries) = (self.health, knownEpochs, recentEntries)
        client.withSession { session throws(MemcachedError) -> NotificationJSON? in
            try CacheMetrics.memcached(.notificationRead) { () throws(MemcachedError) in
                try Self.freshEntry(keys, id: id, now: now, known: known, in: session)?.json
            }
        } completion: { result in
            switch result {
            case .success(let notification):
                if notification != nil {
                    CacheMetrics.notificationHits.increment()
                    recentEntries.note(CachedNotificationID(user: user, id: id))
                }
                completion(notification)
            case .failure(let error):
                health.markDown(error)
                completion(nil)
            }
        }
    }

    /// The entry of `id` under the user's current notification epoch (nil without either), in one
    /// round trip when `known` remembers that epoch: one `get` of the epoch key and the entry under
    /// the remembered epoch, whose entry counts only if the epoch read back is the remembered
    /// one. An epoch is random and, once deleted or expired, never made again, so that is the
    /// entry a read of the epoch and then of its entry would find; a write that completed before
    /// the read began has deleted the entry, or the epoch, already. Otherwise the epoch read back
    /// is remembered and its entry read after it.
    private static func currentEntry(
        _ keys: NotificationCacheKeys, id: String, known: KnownEpochs, in session: MemcachedSession
    ) throws(MemcachedError) -> MemcachedItem? {
        let epoch: String
        if let guess = known.epochs(for: [keys.epoch])[0] {
            let guessed = keys.entry(guess, id: id)
            let items = try session.getMultiple([keys.epoch, guessed])
            let current = items[keys.epoch]?.string
            if current == guess { return items[guessed] }
            known.update([keys.epoch: current])
            guard let current else { return nil }
            epoch = current
        } else {
            guard let current = try session.get(keys.epoch)?.string else { return nil }
            known.update([keys.epoch: current])
            epoch = current
        }
        return try session.get(keys.entry(epoch, id: id))
    }

    /// The entry of `id` under the user's current epoch (``currentEntry(_:id:known:in:)``) and its
    /// JSON, when it is that user's notification and not expired at `now`; nil otherwise.
    private static func freshEntry(
        _ keys: NotificationCacheKeys, id: String, now: Timestamp, known: KnownEpochs, in session: MemcachedSession
    ) throws(MemcachedError) -> (item: MemcachedItem, json: NotificationJSON)? {
        guard let item = try currentEntry(keys, id: id, known: known, in: session),
            let json = entryJSON(item.value, user: keys.user, id: id), json.expiresAt > now
        else { return nil }
        return (item, json)
    }

    /// The notification an entry holds, when it is that user's notification `id`: a hash
    /// collision of two keys reads as a miss, never as another user's notification.
    private static func entry(_ value: [UInt8], user: String, id: String) -> HeraldCore.Notification? {
        guard let cached = decode(value), cached.user == user, cached.id == id else { return nil }
        return cached
    }

    /// The JSON an entry holds, without building the notification, when it is that user's
    /// notification `id`, as ``entry(_:user:id:)`` checks.
    private static func entryJSON(_ value: [UInt8], user: String, id: String) -> NotificationJSON? {
        guard value.first == entryTag, let cached = NotificationJSON(Array(value.dropFirst())), cached.user == user,
            cached.id == id
        else { return nil }
        return cached
    }

    private enum Lookup: Sendable {
        case hit(HeraldCore.Notification)
        case leased(key: String, cas: UInt64)
        /// No cache lineage to use.
        case bypass
        /// Someone else holds the lease (a lease conflict): read the store without filling.
        case contended
    }

    public func invalidate(user: String, ids: [String], completion: @escaping @Sendable () -> Void) {
        guard !ids.isEmpty, let keys = staleKeys(for: user) else { return completion() }
        let ttlSeconds = self.ttlSeconds
        invalidating(completion) { session throws(MemcachedError) in
            guard let epoch = try session.epoch(keys, creatingAfter: nil, ttlSeconds: ttlSeconds) else { return }
            for id in ids { try session.delete(keys.entry(epoch, id: id)) }
        }
    }

    public func invalidateAll(user: String, completion: @escaping @Sendable () -> Void) {
        guard let keys = staleKeys(for: user) else { return completion() }
        invalidating(completion) { session throws(MemcachedError) in try session.delete(keys.epoch) }
    }

    /// Runs `body` on a worker thread as a timed invalidation; a failure marks the cache down.
    private func invalidating(
        _ completion: @escaping @Sendable () -> Void,
        _ body: @escaping @Sendable (MemcachedSession) throws(MemcachedError) -> Void
    ) {
        let health = self.health
        client.withSession { session throws(MemcachedError) in
            try CacheMetrics.memcached(.notificationInvalidate) { () throws(MemcachedError) in try body(session) }
        } completion: { result in
            if case .failure(let error) = result { health.markDown(error) }
            completion()
        }
    }

    /// The first byte of an entry (a lease's is `L`), then the notification's JSON as the API
    /// answers it, which the event loop's read answers as it is.
    private static let entryTag = UInt8(ascii: "N")

    private static func encode(_ notification: HeraldCore.Notification) -> [UInt8]? {
        [entryTag] + notification.jsonBytes
    }

    private static func decode(_ value: [UInt8]) -> HeraldCore.Notification? {
        guard value.first == entryTag else { return nil }
        return HeraldCore.Notification(json: value.dropFirst())
    }
}

extension MemcachedNotificationCache {
    /// The entry of the notification under the user's current epoch, as a read would find it
    /// (value and cas), without noting it in ``recentEntries``; nil when there is none, it is a
    /// lease, another notification's, expired at `now`, or the cache is down (a failure marks it down).
    func entryForAudit(_ entry: CachedNotificationID, now: Timestamp) async -> MemcachedItem? {
        guard let keys = keys(for: entry.user) else { return nil }
        let known = knownEpochs
        do {
            return try await CacheMetrics.memcached(.notificationRead) { () async throws(MemcachedError) in
                try await client.withSession { session throws(MemcachedError) -> MemcachedItem? in
                    try Self.freshEntry(keys, id: entry.id, now: now, known: known, in: session)?.item
                }
            }
        } catch {
            health.markDown(error)
            return nil
        }
    }

    /// Whether `item`, an entry, holds `stored` as the cache would have written it.
    static func holds(_ item: MemcachedItem, _ stored: HeraldCore.Notification?) -> Bool {
        stored.flatMap(encode) == item.value
    }
}

extension MemcachedSession {
    /// The user's notification epoch; given a filter, makes one when missing, after marking the
    /// user in it.
    fileprivate func epoch(
        _ keys: NotificationCacheKeys, creatingAfter filter: LineageFilter?, ttlSeconds: Int
    ) throws(MemcachedError) -> String? {
        if let epoch = try get(keys.epoch)?.string { return epoch }
        guard let filter else { return nil }
        filter.mark(keys.user, generation: keys.generation)
        let fresh = String(UInt64.random(in: 1...UInt64.max), radix: 16)
        if try add(keys.epoch, value: Array(fresh.utf8), expiration: .seconds(ttlSeconds)) { return fresh }
        return try get(keys.epoch)?.string
    }
}
