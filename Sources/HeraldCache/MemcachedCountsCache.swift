public import HeraldCore
import Memcached

/// Users' counts in memcached, kept exact with atomic incr/decr.
///
/// **Why it never serves a stale count** (full argument in the README):
/// 1. Fill: a reader that misses sets a fresh random *epoch* for the user, then reads the store,
///    then `add`s unread, unseen and seq under that epoch (seq last). Counter keys of an epoch are
///    created only by that fill, so a fill never overwrites anything.
/// 2. Apply: after commit a writer reads the epoch, then increments the epoch's seq by its number
///    of events. Only if the result equals the seq it committed (so the cached lineage reflected
///    exactly the state before its change) does it incr/decr unread and unseen. Any other outcome
///    (missing key, a fill that already included its change, a racing writer) deletes the epoch
///    key, so the next read fills afresh. No delta is ever applied twice or lost.
/// 3. Outage: see ``CacheHealth``: any failure marks the cache down, and it comes back only under a
///    new persisted generation, so nothing cached before or during the outage is read again.
public final class MemcachedCountsCache: CountsCache {
    private let health: CacheHealth
    private let client: MemcachedClient
    private let ttl: MemcachedExpiration

    /// Creates the cache over a shared ``CacheHealth``.
    /// - Parameter ttlSeconds: lifetime of cached counters; a fill refreshes it.
    public init(health: CacheHealth, ttlSeconds: Int = 86_400) {
        self.health = health
        self.client = health.client
        self.ttl = .seconds(ttlSeconds)
    }

    public var status: CacheStatus { health.status }

    private func keys(for user: String) -> CountsCacheKeys? {
        health.keyBase.map { CountsCacheKeys(base: $0, user: user) }
    }

    public func counts(user: String, load: @Sendable () async throws -> Counts) async throws -> Counts {
        guard let keys = keys(for: user) else { return try await load() }
        do {
            if let epoch = try await client.get(keys.epoch)?.string {
                let items = try await client.getMultiple([keys.unread(epoch), keys.unseen(epoch), keys.seq(epoch)])
                if let unread = items[keys.unread(epoch)]?.counter, let unseen = items[keys.unseen(epoch)]?.counter,
                    let seq = items[keys.seq(epoch)]?.counter
                {
                    CacheMetrics.hits.increment()
                    return Counts(user: user, unread: Int64(unread), unseen: Int64(unseen), seq: Int64(seq))
                }
            }
            CacheMetrics.misses.increment()
            return try await fill(keys, load: load)
        } catch let error as MemcachedError {
            health.markDown(error)
            return try await load()
        }
    }

    private func fill(_ keys: CountsCacheKeys, load: @Sendable () async throws -> Counts) async throws -> Counts {
        let epoch = String(UInt64.random(in: 1...UInt64.max), radix: 16)
        try await client.set(keys.epoch, value: Array(epoch.utf8), expiration: ttl)
        let counts = try await load()
        try await client.add(keys.unread(epoch), value: Array(String(counts.unread).utf8), expiration: ttl)
        try await client.add(keys.unseen(epoch), value: Array(String(counts.unseen).utf8), expiration: ttl)
        try await client.add(keys.seq(epoch), value: Array(String(counts.seq).utf8), expiration: ttl)
        CacheMetrics.fills.increment()
        return counts
    }

    public func apply(_ deltas: [CountsDelta]) async {
        for delta in deltas where !delta.isEmpty {
            guard let keys = keys(for: delta.user) else { return }
            do {
                try await apply(delta, keys)
            } catch {
                health.markDown(error)
                return
            }
        }
    }

    private func apply(_ delta: CountsDelta, _ keys: CountsCacheKeys) async throws(MemcachedError) {
        guard let epoch = try await client.get(keys.epoch)?.string else { return }
        let seq: UInt64?
        do {
            seq = try await client.increment(keys.seq(epoch), by: UInt32(clamping: delta.events))
        } catch  where error.code == .nonNumericValue {
            seq = nil
        }
        guard let seq, seq == UInt64(delta.seqAfter) else {
            CacheMetrics.conflicts.increment()
            try await client.delete(keys.epoch)
            return
        }
        let unreadApplied = try await adjust(keys.unread(epoch), by: delta.unread)
        let unseenApplied = try await adjust(keys.unseen(epoch), by: delta.unseen)
        if !unreadApplied || !unseenApplied {
            CacheMetrics.conflicts.increment()
            try await client.delete(keys.epoch)
        }
    }

    /// Applies a signed change; false when the key is gone or the result shows the lineage was off.
    private func adjust(_ key: String, by change: Int64) async throws(MemcachedError) -> Bool {
        guard change != 0 else { return true }
        do {
            if change > 0 {
                return try await client.increment(key, by: UInt32(clamping: change)) != nil
            }
            // decr clamps at 0; a result of 0 could hide a lineage that was off, so treat it as valid
            // only when the key still exists (exactness is guaranteed by the seq validator above).
            return try await client.decrement(key, by: UInt32(clamping: -change)) != nil
        } catch  where error.code == .nonNumericValue {
            return false
        }
    }
}
