public import HeraldCore
public import Logging

/// Checks the notification cache against the store while the server runs: every so often it
/// takes the notifications last served or filled from the cache, reads each one's entry, then the
/// store's notification (the source of truth), and compares the entry with what the cache would
/// write for it. Entries carry no seq, and a write deletes its entries just after its commit, so
/// an entry that disagrees is read again after `recheckAfter`: if it is still the same entry
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
        while true {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return  // cancelled: the server is stopping
            }
            await pass(load: load)
        }
    }

    /// One pass over the notifications noted since the last: how many had each outcome (entries
    /// gone or expired before the first read, or whose store read failed, are left out).
    @discardableResult
    public func pass(load: Load) async -> [CacheAuditOutcome: Int] {
        var tally: [CacheAuditOutcome: Int] = [:]
        for entry in cache.recentEntries.take().prefix(sampleSize) {
            guard cache.status == .up else { break }
            guard let outcome = await audit(entry, load: load) else { continue }
            tally[outcome, default: 0] += 1
            CacheMetrics.audits(.notifications, outcome).increment()
        }
        return tally
    }

    private func audit(_ entry: CachedNotificationID, load: Load) async -> CacheAuditOutcome? {
        let now = Timestamp.now()
        // `try? Optional(…)`: nil when the store read failed, `.some(nil)` when it found nothing.
        guard let cached = await cache.entryForAudit(entry, now: now),
            let stored = try? await Optional(load(entry.user, entry.id, now))
        else { return nil }
        if MemcachedNotificationCache.holds(cached, stored) { return .agree }
        do {
            try await Task.sleep(for: recheckAfter)
        } catch {
            return nil
        }
        let later = Timestamp.now()
        guard let again = await cache.entryForAudit(entry, now: later), again.cas == cached.cas else { return .changed }
        guard let storedAgain = try? await Optional(load(entry.user, entry.id, later)) else { return nil }
        if MemcachedNotificationCache.holds(again, storedAgain) { return .changed }
        logger.error(
            "a cached notification differed from the store's; dropped it from the cache",
            metadata: [
                "user": "\(entry.user)", "id": "\(entry.id)",
                "stored": "\(storedAgain == nil ? "none (deleted or expired)" : "another state")",
            ])
        await cache.drop(entry)
        return .differ
    }
}
