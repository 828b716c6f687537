public import HeraldCore
import Memcached

/// Users' counts in memcached, kept exact with one atomic incr per change.
///
/// **Why it never serves a stale count** (full argument in the README):
/// 1. Fill: a reader that misses sets a fresh random *epoch* for the user, then reads the store,
///    then `add`s the counts under that epoch, all three packed in one counter (``PackedCounts``).
///    The counter of an epoch is created only by that fill, so a fill never overwrites anything.
/// 2. Apply: after commit a writer adds its change of all three counts, in one `incr`, to the
///    counter of an epoch that was the user's at some moment after the commit: the epoch it
///    remembers, confirmed by reading the epoch key back after the `incr` (epochs are never
///    reused), or else one read after the commit. The counter right after the `incr` is the whole
///    new state: only if its seq is the seq the writer committed, with no count out of range, did
///    the cached lineage hold exactly the state before the change (and it now holds the state
///    after). Any other outcome (missing counter, a fill that already included the change, a racing
///    writer, an `incr` the server refused) deletes the epoch key, so the next read fills afresh.
///    No delta is ever applied twice or lost. A user whose counts were never read under the
///    generation has no epoch, which ``LineageFilter`` knows without asking memcached.
/// 3. Batching: the reads and applies of concurrent requests run as one job (``CountsCacheJob``),
///    usually one round trip: quiet `incr`s, then the epochs and counters read back. Applies run
///    per user in seq order (runs of consecutive deltas joined), and reads see the epochs the
///    applies left.
/// 4. Outage: see ``CacheHealth``: any failure marks the cache down, and it comes back only under a
///    new persisted generation, so nothing cached before or during the outage is read again.
public final class MemcachedCountsCache: CountsCache {
    private let health: CacheHealth
    private let client: MemcachedClient
    private let ttl: MemcachedExpiration
    /// Reads and applies of concurrent requests share one worker-thread job (see ``CountsCacheQueue``).
    private let jobs: CountsCacheQueue
    /// The users whose counts may have a lineage: an apply for anyone else skips memcached.
    private var lineages: LineageFilter { health.lineages }
    /// The users whose counts were last served, filled or changed from the cache, which
    /// ``CountsAudit`` compares with the store (its own reads are not noted).
    let recentUsers = RecentlyNoted<String>()

    /// Creates the cache over a shared ``CacheHealth``.
    /// - Parameter ttlSeconds: lifetime of cached counters; a fill refreshes it.
    public init(health: CacheHealth, ttlSeconds: Int = 86_400) {
        let ttl = MemcachedExpiration.seconds(ttlSeconds)
        self.health = health
        self.client = health.client
        self.ttl = ttl
        self.jobs = CountsCacheQueue(
            client: health.client, job: CountsCacheJob(ttl: ttl, known: KnownEpochs(), lineages: health.lineages),
            maximumBatch: 256)
    }

    public var status: CacheStatus { health.status }

    private func keys(for user: String) -> CountsCacheKeys? {
        health.keySpace.map { Self.keys(for: user, in: $0) }
    }

    private static func keys(for user: String, in space: (base: String, generation: Int64)) -> CountsCacheKeys {
        CountsCacheKeys(base: space.base, generation: space.generation, user: user)
    }

    public func counts(user: String, load: @Sendable () async throws -> Counts) async throws -> Counts {
        guard let keys = keys(for: user) else { return try await load() }
        let ttl = self.ttl
        do {
            switch await jobs.submit(.read(keys)) {
            case .hit(let counts):
                CacheMetrics.hits.increment()
                recentUsers.note(user)
                return counts
            case .miss(let epoch):
                CacheMetrics.misses.increment()
                let counts = try await load()  // strictly after the epoch was set
                try await CacheMetrics.memcached(.countsFill) { () async throws(MemcachedError) in
                    try await client.withSession { session throws(MemcachedError) in
                        try session.fill(keys.counters(epoch), counts: counts, ttl: ttl)
                    }
                }
                CacheMetrics.fills.increment()
                recentUsers.note(user)
                return counts
            case .failed(let error):
                throw error
            case .applied, .absent:
                preconditionFailure("a read was answered as an apply or a peek")
            }
        } catch let error as MemcachedError {
            health.markDown(error)
            return try await load()
        }
    }

    public func cachedCounts(user: String, completion: @escaping @Sendable (Counts?) -> Void) {
        peek(user: user, served: true, completion: completion)
    }

    /// The user's counts if a proven lineage holds them, else nil (a failure marks the cache down).
    /// A read `served` to a caller counts as a hit and notes the user for ``CountsAudit``; the
    /// audit's own reads do neither.
    private func peek(user: String, served: Bool, completion: @escaping @Sendable (Counts?) -> Void) {
        guard let keys = keys(for: user) else { return completion(nil) }
        let health = self.health
        let recentUsers = self.recentUsers
        jobs.submit(.peek(keys)) { answer in
            switch answer {
            case .hit(let counts):
                if served {
                    CacheMetrics.hits.increment()
                    recentUsers.note(user)
                }
                completion(counts)
            case .failed(let error):
                health.markDown(error)
                completion(nil)
            case .absent, .miss, .applied:
                completion(nil)
            }
        }
    }

    public func apply(_ deltas: [CountsDelta], completion: @escaping @Sendable () -> Void) {
        let candidates = deltas.filter { !$0.isEmpty }
        guard !candidates.isEmpty, let space = health.keySpace else { return completion() }
        // Asked after the commit: a user without a lineage now gets its next fill from the store, which has it.
        let possible = lineages.mayHaveLineage(candidates.map { ($0.user, space.generation) })
        let work = zip(candidates, possible).compactMap { delta, possible in
            possible ? (delta, Self.keys(for: delta.user, in: space)) : nil
        }
        if work.count < candidates.count { CacheMetrics.appliesSkipped.increment(by: candidates.count - work.count) }
        guard !work.isEmpty else { return completion() }
        recentUsers.note(work.lazy.map(\.0.user))
        let health = self.health
        jobs.submit(.apply(work)) { answer in
            if case .failed(let error) = answer { health.markDown(error) }
            completion()
        }
    }
}

extension MemcachedCountsCache {
    /// The user's counts if a proven lineage holds them, as ``cachedCounts(user:completion:)``
    /// answers, but neither counted as a hit nor noted in ``recentUsers``; nil when none does or
    /// the cache is down (a failure marks it down).
    func provenCounts(user: String) async -> Counts? {
        await withCheckedContinuation { continuation in
            peek(user: user, served: false) { continuation.resume(returning: $0) }
        }
    }

    /// Drops the user's cached counts: its epoch key goes, so the next read fills afresh from the
    /// store, as when an apply cannot be proven. Safe whatever a job does meanwhile (an apply
    /// that reads the epoch back finds it gone and proves nothing).
    func forget(user: String) async {
        guard let keys = keys(for: user) else { return }
        do {
            _ = try await CacheMetrics.memcached(.countsForget) { () async throws(MemcachedError) in
                try await client.delete(keys.epoch)
            }
        } catch {
            health.markDown(error)
        }
    }
}

extension MemcachedSession {
    /// Adds the filled counter (all three counts at once); a state that does not fit is not cached.
    fileprivate func fill(_ counters: CounterKeys, counts: Counts, ttl: MemcachedExpiration) throws(MemcachedError) {
        guard let value = PackedCounts.value(of: counts) else { return }
        try add(counters.counts, value: Array(String(value).utf8), expiration: ttl)
    }
}
