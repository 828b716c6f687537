public import Logging
import Synchronization

/// Orchestrates every state change: commit to the store (the truth), publish the committed
/// events to the broker, apply the counter deltas to the cache, then answer.
public final class HeraldService: Sendable {
    public let store: any NotificationStore
    public let cache: any CountsCache
    public let notificationCache: (any NotificationCache)?
    public let broker: any EventBroker
    public let configuration: HeraldConfiguration
    private let logger: Logger
    /// When the next expiry sweep may find something (``runMaintenance()``).
    private let expiries = ExpirySchedule()
    /// When swept rows are old enough to purge: kept by the sweeps, read by the deletions' loop.
    private let purges: Mutex<PurgeSchedule>

    public init(
        store: any NotificationStore,
        cache: any CountsCache,
        notificationCache: (any NotificationCache)? = nil,
        broker: any EventBroker,
        configuration: HeraldConfiguration = .init(),
        logger: Logger = Logger(label: "herald.service")
    ) {
        self.store = store
        self.cache = cache
        self.notificationCache = notificationCache
        self.broker = broker
        self.configuration = configuration
        self.logger = logger
        purges = Mutex(PurgeSchedule(retentionSeconds: configuration.expiredRetentionSeconds, start: .now()))
    }

    // MARK: Writes

    /// Creates one notification.
    public func create(_ draft: NotificationDraft) async throws(HeraldError) -> CreateOutcome {
        let outcomes = try await create([draft])
        return outcomes[0]
    }

    /// Creates several notifications in one transaction; each is independent.
    public func create(_ drafts: [NotificationDraft]) async throws(HeraldError) -> [CreateOutcome] {
        try await awaited { create(drafts, completion: $0) }
    }

    /// Creates several notifications in one transaction, then publishes and applies to the cache
    /// as the async form does; `completion` runs on a store or cache thread after all that and must
    /// only hand the result on. For callers on an event loop, which must not wait on a task.
    public func create(
        _ drafts: [NotificationDraft],
        completion: @escaping @Sendable (Result<[CreateOutcome], HeraldError>) -> Void
    ) {
        guard !drafts.isEmpty else { return completion(.success([])) }
        let start = ContinuousClock.now
        store.create(drafts, defaultTTLSeconds: configuration.defaultTTLSeconds, now: .now()) { result in
            let outcomes: [CreateOutcome]
            switch self.stored(.create, since: start, result) {
            case .success(let value): outcomes = value
            case .failure(let error): return completion(.failure(error))
            }
            var events: [UserEvent] = []
            var deltas: [CountsDelta] = []
            events.reserveCapacity(outcomes.count)
            deltas.reserveCapacity(outcomes.count)
            var earliestExpiry = Timestamp(milliseconds: .max)
            for outcome in outcomes {
                guard let (event, delta, expiresAt) = outcome.eventDeltaAndExpiry else { continue }
                events.append(event)
                deltas.append(delta)
                earliestExpiry = min(earliestExpiry, expiresAt)
            }
            if !events.isEmpty { self.expiries.created(expiringAt: earliestExpiry) }
            // No notification-cache invalidation: a new (user, id) has no cached value. A reader that
            // missed holds at most a lease, and its store read after the lease sees this commit or
            // nothing; an expired predecessor's entry is never served (hits check `expires_at`), and a
            // deleted one's entry was removed by the delete.
            self.committed(events: events, deltas: deltas) { completion(.success(outcomes)) }
        }
    }

    /// Reads, unreads, archives or unarchives one notification.
    public func change(_ change: StateChange, user: String, id: String) async throws(HeraldError) -> ChangeOutcome {
        try await awaited { self.change(change, user: user, id: id, completion: $0) }
    }

    /// Reads, unreads, archives or unarchives one notification, then publishes, applies the counts
    /// and drops the notification's cached entry as the async form does; `completion` runs on a
    /// store or cache thread after all that and must only hand the result on. For callers on an
    /// event loop, which must not wait on a task.
    public func change(
        _ change: StateChange, user: String, id: String,
        completion: @escaping @Sendable (Result<ChangeOutcome, HeraldError>) -> Void
    ) {
        let start = ContinuousClock.now
        store.change(change, user: user, id: id, now: .now()) { result in
            self.committed(
                self.stored(.change, since: start, result), user: user, dropping: .entries([id]),
                change: { outcome in
                    guard case .changed(let changed) = outcome else { return nil }
                    return (changed.event, changed.delta)
                }, completion: completion)
        }
    }

    /// Deletes one notification; nil when unknown.
    public func delete(user: String, id: String) async throws(HeraldError) -> RemovalOutcome? {
        try await awaited { delete(user: user, id: id, completion: $0) }
    }

    /// Deletes one notification (nil when unknown); `completion` as for ``change(_:user:id:completion:)``.
    public func delete(
        user: String, id: String, completion: @escaping @Sendable (Result<RemovalOutcome?, HeraldError>) -> Void
    ) {
        let start = ContinuousClock.now
        store.delete(user: user, id: id, now: .now()) { result in
            self.committed(
                self.stored(.delete, since: start, result), user: user, dropping: .entries([id]),
                change: { $0.map { ($0.event, $0.delta) } }, completion: completion)
        }
    }

    /// Marks every unread notification read.
    public func readAll(user: String, filter: BulkFilter) async throws(HeraldError) -> BulkOutcome {
        try await awaited { readAll(user: user, filter: filter, completion: $0) }
    }

    /// Marks every unread notification read; `completion` as for ``change(_:user:id:completion:)``.
    public func readAll(
        user: String, filter: BulkFilter, completion: @escaping @Sendable (Result<BulkOutcome, HeraldError>) -> Void
    ) {
        bulk(.readAll, user: user, completion: completion) {
            store.readAll(user: user, filter: filter, now: $0, completion: $1)
        }
    }

    /// Deletes every notification of the user and every event of theirs, leaving one `reset`
    /// event (see ``NotificationStore/deleteAll(user:now:completion:)``).
    public func deleteAll(user: String) async throws(HeraldError) -> BulkOutcome {
        try await awaited { deleteAll(user: user, completion: $0) }
    }

    /// Deletes every notification and event of the user; `completion` as for
    /// ``change(_:user:id:completion:)``.
    public func deleteAll(user: String, completion: @escaping @Sendable (Result<BulkOutcome, HeraldError>) -> Void) {
        bulk(.deleteAll, user: user, completion: completion) { store.deleteAll(user: user, now: $0, completion: $1) }
    }

    /// Marks every notification seen.
    public func markAllSeen(user: String) async throws(HeraldError) -> BulkOutcome {
        try await awaited { markAllSeen(user: user, completion: $0) }
    }

    /// Marks every notification seen; `completion` as for ``change(_:user:id:completion:)``.
    public func markAllSeen(user: String, completion: @escaping @Sendable (Result<BulkOutcome, HeraldError>) -> Void) {
        bulk(.seen, user: user, completion: completion) { store.markAllSeen(user: user, now: $0, completion: $1) }
    }

    /// A change of all of a user's notifications at once (`operation`, run by `call` with the time
    /// now): timed, then, once committed, its event published, its counts delta applied and every
    /// cached entry of the user dropped.
    private func bulk(
        _ operation: ServiceMetrics.StoreOperation, user: String,
        completion: @escaping @Sendable (Result<BulkOutcome, HeraldError>) -> Void,
        _ call: (Timestamp, @escaping @Sendable (Result<BulkOutcome, any Error>) -> Void) -> Void
    ) {
        let start = ContinuousClock.now
        call(.now()) { result in
            self.committed(
                self.stored(operation, since: start, result), user: user, dropping: .all, change: { $0.change },
                completion: completion)
        }
    }

    /// Removes expired notifications (one event each); returns how many.
    @discardableResult
    public func sweepExpired(limit: Int = 1000) async throws(HeraldError) -> Int {
        expiries.sweepStarting()
        let sweep: ExpirySweep
        do {
            sweep = try await storeCall(.expire) { try await store.expire(now: .now(), limit: limit) }
        } catch {
            expiries.sweepFailed()
            // It may have committed before it failed.
            purges.withLock { $0.roundFailed(at: .now()) }
            throw error
        }
        expiries.swept(nextExpiry: sweep.nextExpiry)
        let removed = sweep.removed
        purges.withLock { $0.swept(removed: removed.count, returnedAt: .now()) }
        ServiceMetrics.expirySweeps.increment()
        if !removed.isEmpty { ServiceMetrics.notificationsExpired.increment(by: removed.count) }
        await committed(
            events: removed.map(\.event), deltas: removed.map(\.delta),
            touched: removed.map { ($0.counts.user, $0.id) })
        return removed.count
    }

    /// Deletes notification rows swept at or before `cutoff`.
    @discardableResult
    public func purgeExpired(sweptBefore cutoff: Timestamp) async throws(HeraldError) -> Int {
        let purged = try await storeCall(.purge) { try await store.purgeExpired(sweptBefore: cutoff) }
        if purged > 0 { ServiceMetrics.notificationsPurged.increment(by: purged) }
        return purged
    }

    /// Deletes events older than the configured retention.
    @discardableResult
    public func pruneEvents() async throws(HeraldError) -> Int {
        let cutoff = Timestamp.now().adding(seconds: -configuration.eventRetentionSeconds)
        let pruned = try await storeCall(.prune) { try await store.pruneEvents(createdBefore: cutoff) }
        if pruned > 0 { ServiceMetrics.eventsPruned.increment(by: pruned) }
        return pruned
    }

    /// The cached notification entries a committed write makes stale.
    private enum StaleEntries {
        /// These notifications of the user.
        case entries([String])
        /// All of the user's (a bulk change).
        case all
    }

    /// After a write of one user's notifications: unless it failed or changed nothing (`change`
    /// gives nil), publish its event, apply its counts delta and drop the cached entries it made
    /// stale; then hand the result on.
    private func committed<T: Sendable>(
        _ result: Result<T, HeraldError>, user: String, dropping stale: StaleEntries,
        change: (T) -> (event: UserEvent, delta: CountsDelta)?,
        completion: @escaping @Sendable (Result<T, HeraldError>) -> Void
    ) {
        guard case .success(let outcome) = result, let (event, delta) = change(outcome) else {
            return completion(result)
        }
        committed(events: [event], deltas: [delta]) {
            guard let notificationCache = self.notificationCache else { return completion(result) }
            switch stale {
            case .entries(let ids): notificationCache.invalidate(user: user, ids: ids) { completion(result) }
            case .all: notificationCache.invalidateAll(user: user) { completion(result) }
            }
        }
    }

    /// After commit: publish, then bring the caches up to date, all before the caller answers.
    private func committed(
        events: [UserEvent], deltas: [CountsDelta], touched: [(user: String, id: String)]
    ) async {
        guard !events.isEmpty else { return }
        await withCheckedContinuation { continuation in
            committed(events: events, deltas: deltas) { continuation.resume() }
        }
        guard let notificationCache else { return }
        var byUser: [String: [String]] = [:]
        for (user, id) in touched { byUser[user, default: []].append(id) }
        for (user, ids) in byUser { await notificationCache.invalidate(user: user, ids: ids) }
    }

    /// Publishes the committed events and applies their deltas to the counts cache; `completion`
    /// runs once the cache has them.
    private func committed(
        events: [UserEvent], deltas: [CountsDelta], completion: @escaping @Sendable () -> Void
    ) {
        guard !events.isEmpty else { return completion() }
        ServiceMetrics.eventsCommitted.increment(by: events.count)
        broker.publish(events)
        cache.apply(deltas.filter { !$0.isEmpty }, completion: completion)
    }

    // MARK: Reads

    /// The user's exact counts, from the cache when it holds a proven-fresh value, else the store.
    public func counts(user: String) async throws(HeraldError) -> Counts {
        let store = self.store
        return try await storeCall(nil) {
            try await cache.counts(user: user) {
                try await ServiceMetrics.timed(.counts) { try await store.counts(user: user) }
            }
        }
    }

    /// The user's counts if the cache holds a proven-fresh value, else nil (then ``counts(user:)``
    /// answers); never reads the store. `completion` runs on a cache thread and must only hand the
    /// answer on. For the event loops' fast path of `GET /v1/users/{user}/counts`.
    public func cachedCounts(user: String, completion: @escaping @Sendable (Counts?) -> Void) {
        cache.cachedCounts(user: user, completion: completion)
    }

    /// The user's counts without a read through the cache, for the event loops' fast path of
    /// `GET /v1/users/{user}/counts`: from the cache when it holds a proven-fresh value
    /// (``cachedCounts(user:completion:)``), from the store when the cache is down, as
    /// ``counts(user:)`` reads them then. Nil when only ``counts(user:)`` can answer: a miss, which
    /// it fills, or a cache that failed just now. `completion` runs on a cache or store thread and
    /// must only hand the answer on.
    public func countsWithoutFilling(
        user: String, completion: @escaping @Sendable (Result<Counts, HeraldError>?) -> Void
    ) {
        guard cache.status == .up else { return storedCounts(user: user) { completion($0) } }
        cachedCounts(user: user) { counts in completion(counts.map { .success($0) }) }
    }

    /// The user's counts straight from the store, handed to `completion` on a store thread (which
    /// must only hand them on).
    public func storedCounts(user: String, completion: @escaping @Sendable (Result<Counts, HeraldError>) -> Void) {
        let start = ContinuousClock.now
        store.counts(user: user) { result in completion(self.stored(.counts, since: start, result)) }
    }

    /// One live notification, or nil: from the notification cache when it holds a fresh entry.
    public func notification(user: String, id: String) async throws(HeraldError) -> Notification? {
        let store = self.store
        let now = Timestamp.now()
        guard let notificationCache else {
            return try await storeCall(.notification) { try await store.notification(user: user, id: id, now: now) }
        }
        return try await storeCall(nil) {
            try await notificationCache.notification(user: user, id: id, now: now) {
                try await ServiceMetrics.timed(.notification) {
                    try await store.notification(user: user, id: id, now: now)
                }
            }
        }
    }

    /// One live notification without a read through the cache, for the event loops' fast path of
    /// `GET /v1/users/{user}/notifications/{id}`: its JSON from the cache when it holds a fresh
    /// entry (``NotificationCache/cachedNotification(user:id:now:completion:)``), the store's answer when there is no
    /// cache or it is down, as ``notification(user:id:)`` reads it then. Nil when only
    /// ``notification(user:id:)`` can answer: a miss, which it fills. `completion` runs on a cache
    /// or store thread and must only hand the answer on.
    public func notificationWithoutFilling(
        user: String, id: String, completion: @escaping @Sendable (NotificationRead?) -> Void
    ) {
        guard let notificationCache, notificationCache.status == .up else {
            let (store, start) = (self.store, ContinuousClock.now)
            return store.notification(user: user, id: id, now: .now()) { result in
                completion(.stored(self.stored(.notification, since: start, result)))
            }
        }
        notificationCache.cachedNotification(user: user, id: id, now: .now()) { json in
            completion(json.map(NotificationRead.cached))
        }
    }

    /// One page of notifications, newest first.
    public func list(_ query: NotificationQuery) async throws(HeraldError) -> NotificationPage {
        try await awaited { list(query, completion: $0) }
    }

    /// One page of notifications, newest first, handed to `completion` on a store thread (which
    /// must only hand it on). For callers on an event loop.
    public func list(
        _ query: NotificationQuery, completion: @escaping @Sendable (Result<NotificationPage, HeraldError>) -> Void
    ) {
        let start = ContinuousClock.now
        store.list(query, now: .now()) { result in completion(self.stored(.list, since: start, result)) }
    }

    /// The user's counts and up to `limit` retained events after `seq` (none when nil), from one
    /// snapshot of the store (see ``NotificationStore/streamRead(user:after:limit:completion:)``),
    /// handed to `completion` on a store thread (which must only hand them on). For streams.
    public func streamRead(
        user: String, after seq: Int64?, limit: Int,
        completion: @escaping @Sendable (Result<StreamRead, HeraldError>) -> Void
    ) {
        let start = ContinuousClock.now
        store.streamRead(user: user, after: seq, limit: limit) { result in
            completion(self.stored(.events, since: start, result))
        }
    }

    // MARK: Maintenance

    /// Runs the upkeep until the task is cancelled, in two loops side by side, so that a long
    /// deletion never holds up an expiry: every `expirySweepInterval` one sweeps expired
    /// notifications once one may be due (``ExpirySchedule``), and every minute whatever the
    /// schedule says, as a net; the other deletes swept rows once some are past their retention
    /// (``PurgeSchedule``) and every minute prunes old events, both in the store's paced
    /// transactions of bounded size (a million rows take seconds).
    public func runMaintenance() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.runExpirySweeps() }
            group.addTask { await self.runDeletions() }
        }
    }

    private func runExpirySweeps() async {
        var lastNet = ContinuousClock.now - .seconds(3600)
        await everyRound { () async throws(HeraldError) in
            let minutely = ContinuousClock.now - lastNet > .seconds(60)
            if minutely || expiries.isDue(now: .now()) {
                if minutely { lastNet = .now }
                while try await sweepExpired() >= 1000 {}
            }
        }
    }

    private func runDeletions() async {
        var lastPrune = ContinuousClock.now - .seconds(3600)
        await everyRound { () async throws(HeraldError) in
            let now = Timestamp.now()
            if let cutoff = purges.withLock({ $0.isDue(now: now) ? $0.cutoff(now: now) : nil }) {
                try await purgeExpired(sweptBefore: cutoff)
                purges.withLock { $0.purged(cutoff: cutoff) }
            }
            if ContinuousClock.now - lastPrune > .seconds(60) {
                lastPrune = .now
                let pruned = try await pruneEvents()
                if pruned > 0 { logger.info("pruned old events", metadata: ["count": "\(pruned)"]) }
            }
        }
    }

    /// Runs `round` every `expirySweepInterval` until the task is cancelled, logging a round that
    /// fails (the next one tries again).
    private func everyRound(_ round: () async throws(HeraldError) -> Void) async {
        while !Task.isCancelled {
            do {
                try await round()
            } catch {
                logger.warning("maintenance failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .milliseconds(configuration.expirySweepIntervalMilliseconds))
        }
    }

    /// Runs a store call (timed under `operation` when given), turning failures into `HeraldError`.
    private func storeCall<T>(
        _ operation: ServiceMetrics.StoreOperation?, _ body: () async throws -> T
    ) async throws(HeraldError) -> T {
        do {
            guard let operation else { return try await body() }
            return try await ServiceMetrics.timed(operation, body)
        } catch {
            throw storeFailure(error)
        }
    }

    /// Awaits the result of one of the completion forms above.
    private func awaited<T: Sendable>(
        _ call: (@escaping @Sendable (Result<T, HeraldError>) -> Void) -> Void
    ) async throws(HeraldError) -> T {
        try await withCheckedContinuation { continuation in call { continuation.resume(returning: $0) } }.get()
    }

    /// A store call's result, handed back through a completion, as callers see it: timed under
    /// `operation` (from `start`), a failure as ``storeFailure(_:)`` makes it.
    private func stored<T>(
        _ operation: ServiceMetrics.StoreOperation, since start: ContinuousClock.Instant, _ result: Result<T, any Error>
    ) -> Result<T, HeraldError> {
        operation.timer.recordNanoseconds(start.nanosecondsElapsed)
        return result.mapError { storeFailure($0) }
    }

    /// A store call's error as callers see it: the store's own ``HeraldError``s as they are,
    /// anything else counted, logged and turned into ``HeraldError/storeFailure(_:)``.
    private func storeFailure(_ error: any Error) -> HeraldError {
        if let error = error as? HeraldError { return error }
        ServiceMetrics.storeErrors.increment()
        logger.error("store failure", metadata: ["error": "\(error)"])
        return HeraldError.storeFailure(error)
    }
}

extension BulkOutcome {
    /// The event and counts delta of a bulk change; nil when it changed nothing.
    fileprivate var change: (event: UserEvent, delta: CountsDelta)? {
        guard let event, let delta else { return nil }
        return (event, delta)
    }
}
