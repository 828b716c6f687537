public import HeraldCore
public import Logging

/// Checks the counts cache against the store while the server runs: every so often it takes the
/// users whose cached counts were last served, filled or changed, reads each one's counts as the cache
/// proves them, then the store's (the source of truth), and compares them by seq
/// (``CacheAuditOutcome``). Counts that differ are logged, counted
/// (`herald_cache_audits_total{cache="counts",result="differ"}`) and dropped from the cache, so the user's next
/// read fills afresh from the store.
///
/// The cache's design says this never happens (``MemcachedCountsCache``); the audit is what shows
/// it on a live server, beside `herald check`, which proves the store's own counts. It costs a
/// counts peek and a store read per user compared, a few dozen every ten seconds by default.
public struct CountsAudit: Sendable {
    private let cache: MemcachedCountsCache
    private let sampleSize: Int
    private let logger: Logger

    /// - Parameter sampleSize: the most users compared in one pass.
    public init(cache: MemcachedCountsCache, sampleSize: Int = 32, logger: Logger = Logger(label: "herald.cache")) {
        self.cache = cache
        self.sampleSize = sampleSize
        self.logger = logger
    }

    /// Runs a pass every `interval` until cancelled; `load` reads a user's counts from the store.
    public func run(every interval: Duration, load: @escaping @Sendable (String) async throws -> Counts) async {
        await repeatPasses(every: interval) { await pass(load: load) }
    }

    /// One pass over the users noted since the last: how many had each outcome (users with no
    /// proven lineage, or whose store read failed, are left out).
    @discardableResult
    public func pass(load: @Sendable (String) async throws -> Counts) async -> [CacheAuditOutcome: Int] {
        var tally: [CacheAuditOutcome: Int] = [:]
        for user in cache.recentUsers.take().prefix(sampleSize) {
            guard cache.status == .up else { break }
            guard let cached = await cache.provenCounts(user: user), let stored = try? await load(user) else {
                continue
            }
            let outcome = CacheAuditOutcome(cached: cached, stored: stored)
            tally[outcome, default: 0] += 1
            CacheMetrics.audits(.counts, outcome).increment()
            if outcome == .differ {
                logger.error(
                    "cached counts differed from the store's; dropped them from the cache",
                    metadata: [
                        "user": "\(user)",
                        "cached": "unread \(cached.unread), unseen \(cached.unseen), seq \(cached.seq)",
                        "stored": "unread \(stored.unread), unseen \(stored.unseen), seq \(stored.seq)",
                    ])
                await cache.forget(user: user)
            }
        }
        return tally
    }
}
