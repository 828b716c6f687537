public import HeraldCore
public import Logging
public import Memcached
import Synchronization

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
/// 3. Outage: any memcached failure marks the cache down (reads and writes go to the store only).
///    A probe brings it back after bumping the persisted *generation* that prefixes every key, so
///    nothing cached before or during the outage is ever read again. Start-up bumps it too, which
///    covers a crash between commit and cache update.
public final class MemcachedCountsCache: CountsCache {
    private struct State {
        var up: Bool
        var generation: Int64
    }

    private let client: MemcachedClient
    private let generations: any CacheGenerationStore
    private let prefix: String
    private let ttl: MemcachedExpiration
    private let logger: Logger
    private let state: Mutex<State>

    /// Creates the cache and bumps the persisted generation (start-up invalidation).
    /// - Parameters:
    ///   - keyPrefix: prefix of every key (lets several services share a memcached).
    ///   - ttlSeconds: lifetime of cached counters; a fill refreshes it.
    public init(
        client: MemcachedClient,
        generations: any CacheGenerationStore,
        keyPrefix: String = "herald",
        ttlSeconds: Int = 86_400,
        logger: Logger = Logger(label: "herald.cache")
    ) async throws {
        self.client = client
        self.generations = generations
        self.prefix = keyPrefix
        self.ttl = .seconds(ttlSeconds)
        self.logger = logger
        let generation = try await generations.bumpCacheGeneration()
        let reachable = (try? await client.ping()) != nil
        self.state = Mutex(State(up: reachable, generation: generation))
        if !reachable { logger.warning("memcached unreachable at start; serving counts from the store") }
    }

    public var status: CacheStatus { state.withLock { $0.up } ? .up : .down }

    /// The generation currently used in keys.
    public var generation: Int64 { state.withLock { $0.generation } }

    private func keys(for user: String) -> CountsCacheKeys? {
        let (up, generation) = state.withLock { ($0.up, $0.generation) }
        return up ? CountsCacheKeys(prefix: prefix, generation: generation, user: user) : nil
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
            markDown(error)
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
                markDown(error)
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

    private func markDown(_ error: any Error) {
        let wasUp = state.withLock { state in
            defer { state.up = false }
            return state.up
        }
        if wasUp {
            CacheMetrics.errors.increment()
            logger.warning("memcached failed; serving counts from the store", metadata: ["error": "\(error)"])
        }
    }

    /// Probes a down cache every `interval` and brings it back (with a new generation) once every
    /// server answers. Runs until cancelled.
    public func runHealthProbe(interval: Duration = .seconds(1)) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            guard status == .down else { continue }
            do {
                try await client.ping()
                let generation = try await generations.bumpCacheGeneration()
                state.withLock { $0 = State(up: true, generation: generation) }
                logger.info("memcached is back", metadata: ["generation": "\(generation)"])
            } catch {
                continue
            }
        }
    }
}
