public import HeraldCore
public import Logging

/// Checks the notification cache against the store while the server runs: every so often it
/// takes the notifications last served or filled from the cache, reads each one's entry, then the
/// store's notification (the source of truth), and compares the entry with what the cache would
/// write for it. Entries carry no seq, and a write deletes its entries just after its commit, so
/// the entries that disagree are read again after `recheckAfter`: if one is still the same entry
/// (its cas) and still disagrees with the store read again, it is logged, counted
/// (`herald_cache_audits_total{cache="notifications",result="differ"}`) and dropped, so the
/// next read fills afresh; anything else is `changed`. An entry that outlived a delete of its
/// notification is such a difference.
public struct NotificationAudit: Sendable {
    /// Reads a user's notification from the store as of a moment (nil: deleted or expired).
    public typealias Load = @Sendable (_ user: String, _ id: String, _ now: Timestamp) async throws -> Notification?

    private let cache: MemcachedNotificationCache
    private let sampleSize: Int
    private let recheckAfter: Duration
    private let logger: Logger

    /// - Parameters:
    ///   - sampleSize: the most notifications compared in one pass.
    ///   - recheckAfter: how long to wait before reading an entry that disagreed again.
    public init(
        cache: MemcachedNotificationCache, sampleSize: Int = 32, recheckAfter: Duration = .seconds(1),
        logger: Logger = Logger(label: "herald.cache")
    ) {
        self.cache = cache
        self.sampleSize = sampleSize
        self.recheckAfter = recheckAfter
        self.logger = logger
    }

    /// Runs a pass every `interval` until cancelled.
    public func run(every interval: Duration, load: @escaping Load) async {
        await repeatPasses(every: interval) { await pass(load: load) }
    }

    /// One pass over the notifications noted since the last: how many had each outcome (entries
    /// gone or expired before the first read, or whose store read failed, are left out). Entries
    /// that disagree are read again together, once, after `recheckAfter`.
    @discardableResult
    public func pass(load: Load) async -> [CacheAuditOutcome: Int] {
        var tally: [CacheAuditOutcome: Int] = [:]
        func count(_ outcome: CacheAuditOutcome) {
            tally[outcome, default: 0] += 1
            CacheMetrics.audits(.notifications, outcome).increment()
        }
        var suspects: [(entry: CachedNotificationID, cas: UInt64)] = []
        for entry in cache.recentEntries.take().prefix(sampleSize) {
            guard cache.status == .up else { break }
            let now = Timestamp.now()
            // `try? Optional(…)`: nil when the store read failed, `.some(nil)` when it found nothing.
            guard let cached = await cache.entryForAudit(entry, now: now),
                let stored = try? await Optional(load(entry.user, entry.id, now))
            else { continue }
            if MemcachedNotificationCache.holds(cached, stored) {
                count(.agree)
            } else {
                suspects.append((entry, cached.cas))
            }
        }
        guard !suspects.isEmpty else { return tally }
        do {
            try await Task.sleep(for: recheckAfter)
        } catch {
            return tally  // cancelled: the server is stopping
        }
        for suspect in suspects {
            guard cache.status == .up else { break }
            if let outcome = await recheck(suspect.entry, cas: suspect.cas, load: load) { count(outcome) }
        }
        return tally
    }

    /// A second look at an entry that disagreed with the store: a difference only if it is still
    /// the same entry and still disagrees with the store read again.
    private func recheck(_ entry: CachedNotificationID, cas: UInt64, load: Load) async -> CacheAuditOutcome? {
        let now = Timestamp.now()
        guard let again = await cache.entryForAudit(entry, now: now), again.cas == cas else { return .changed }
        guard let stored = try? await Optional(load(entry.user, entry.id, now)) else { return nil }
        if MemcachedNotificationCache.holds(again, stored) { return .changed }
        logger.error(
            "a cached notification differed from the store's; dropped it from the cache",
            metadata: [
                "user": "\(entry.user)", "id": "\(entry.id)",
                "stored": "\(stored == nil ? "none (deleted or expired)" : "another state")",
            ])
        await cache.invalidate(user: entry.user, ids: [entry.id])  // as a write drops it
        return .differ
    }
}
