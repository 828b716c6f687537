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
        let ttl = self.ttl
        do {
            // One hop: read the lineage, or start a fresh epoch for the fill.
            let lookup = try await CacheMetrics.memcached(.countsRead) { () async throws(MemcachedError) in
                try await client.withSession { session throws(MemcachedError) -> Lookup in
                    if let epoch = try session.get(keys.epoch)?.string {
                        let items = try session.getMultiple([keys.unread(epoch), keys.unseen(epoch), keys.seq(epoch)])
                        if let unread = items[keys.unread(epoch)]?.counter,
                            let unseen = items[keys.unseen(epoch)]?.counter, let seq = items[keys.seq(epoch)]?.counter
                        {
                            return .hit(
                                Counts(user: user, unread: Int64(unread), unseen: Int64(unseen), seq: Int64(seq)))
                        }
                    }
                    let epoch = String(UInt64.random(in: 1...UInt64.max), radix: 16)
                    try session.set(keys.epoch, value: Array(epoch.utf8), expiration: ttl)
                    return .miss(epoch: epoch)
                }
            }
            switch lookup {
            case .hit(let counts):
                CacheMetrics.hits.increment()
                return counts
            case .miss(let epoch):
                CacheMetrics.misses.increment()
                let counts = try await load()  // strictly after the epoch was set
                try await CacheMetrics.memcached(.countsFill) { () async throws(MemcachedError) in
                    try await client.withSession { session throws(MemcachedError) in
                        try session.fill(keys, epoch: epoch, counts: counts, ttl: ttl)
                    }
                }
                CacheMetrics.fills.increment()
                return counts
            }
        } catch let error as MemcachedError {
            health.markDown(error)
            return try await load()
        }
    }

    private enum Lookup: Sendable {
        case hit(Counts)
        case miss(epoch: String)
    }

    public func apply(_ deltas: [CountsDelta]) async {
        let work = deltas.filter { !$0.isEmpty }.compactMap { delta in keys(for: delta.user).map { (delta, $0) } }
        guard !work.isEmpty else { return }
        do {
            let conflicts = try await CacheMetrics.memcached(.countsApply) { () async throws(MemcachedError) in
                try await client.withSession { session throws(MemcachedError) -> Int in
                    var conflicts = 0
                    for (delta, keys) in work where try !session.apply(delta, keys) { conflicts += 1 }
                    return conflicts
                }
            }
            if conflicts > 0 { CacheMetrics.conflicts.increment(by: conflicts) }
        } catch {
            health.markDown(error)
        }
    }
}

extension MemcachedSession {
    /// Adds the filled counters; seq last, so a writer's validator sees either nothing or all three.
    fileprivate func fill(
        _ keys: CountsCacheKeys, epoch: String, counts: Counts, ttl: MemcachedExpiration
    ) throws(MemcachedError) {
        try add(keys.unread(epoch), value: Array(String(counts.unread).utf8), expiration: ttl)
        try add(keys.unseen(epoch), value: Array(String(counts.unseen).utf8), expiration: ttl)
        try add(keys.seq(epoch), value: Array(String(counts.seq).utf8), expiration: ttl)
    }

    /// Applies one committed delta under the seq validator; false when it invalidated the epoch instead.
    fileprivate func apply(_ delta: CountsDelta, _ keys: CountsCacheKeys) throws(MemcachedError) -> Bool {
        guard let epoch = try get(keys.epoch)?.string else { return true }
        let seq: UInt64?
        do {
            seq = try increment(keys.seq(epoch), by: UInt32(clamping: delta.events))
        } catch  where error.code == .nonNumericValue {
            seq = nil
        }
        guard let seq, seq == UInt64(delta.seqAfter),
            try adjust(keys.unread(epoch), by: delta.unread), try adjust(keys.unseen(epoch), by: delta.unseen)
        else {
            try delete(keys.epoch)
            return false
        }
        return true
    }

    /// A signed change; false when the key is gone or not a number (the lineage is broken).
    private func adjust(_ key: String, by change: Int64) throws(MemcachedError) -> Bool {
        guard change != 0 else { return true }
        do {
            return change > 0
                ? try increment(key, by: UInt32(clamping: change)) != nil
                : try decrement(key, by: UInt32(clamping: -change)) != nil
        } catch  where error.code == .nonNumericValue {
            return false
        }
    }
}
