/// The durable source of truth. Every write is one transaction that updates the notification
/// rows, the user's counters (`unread`, `unseen`, `seq`) and appends one event per state change.
///
/// Implementations throw ``HeraldError`` only for client-visible conditions; anything else is
/// an infrastructure failure that callers map to `unavailable`.
public protocol NotificationStore: Sendable {
    /// Creates notifications in one transaction; each draft is independent of the others.
    /// `completion` runs on a thread of the store's own once the transaction committed (or failed)
    /// and must only hand the result on; for callers on an event loop, which must not wait on a task.
    func create(
        _ drafts: [NotificationDraft], defaultTTLSeconds: Int64, now: Timestamp,
        completion: @escaping @Sendable (Result<[CreateOutcome], any Error>) -> Void)
    /// Applies a state change to one notification. `completion` runs on a thread of the store's own
    /// once the transaction committed (or failed) and must only hand the result on.
    func change(
        _ change: StateChange, user: String, id: String, now: Timestamp,
        completion: @escaping @Sendable (Result<ChangeOutcome, any Error>) -> Void)
    /// Deletes one notification, nil when it does not exist (or has expired); `completion` as for
    /// ``change(_:user:id:now:completion:)``.
    func delete(
        user: String, id: String, now: Timestamp,
        completion: @escaping @Sendable (Result<RemovalOutcome?, any Error>) -> Void)
    /// Marks every unread notification of the user read (optionally only one type or tag);
    /// `completion` as for ``change(_:user:id:now:completion:)``.
    func readAll(
        user: String, filter: BulkFilter, now: Timestamp,
        completion: @escaping @Sendable (Result<BulkOutcome, any Error>) -> Void)
    /// Deletes every notification of the user, expired ones included, and every event of theirs
    /// (events carry their notifications' content), then appends one `reset` event: the user's
    /// seq goes on growing, so a stream resuming after it is told to refetch. Nothing changes, and
    /// no event is appended, when the user has no notification and no event but `reset`s.
    /// `updated` is the number of notifications deleted; `completion` as for
    /// ``change(_:user:id:now:completion:)``.
    func deleteAll(
        user: String, now: Timestamp, completion: @escaping @Sendable (Result<BulkOutcome, any Error>) -> Void)
    /// Marks every notification of the user seen; `completion` as for ``change(_:user:id:now:completion:)``.
    func markAllSeen(
        user: String, now: Timestamp, completion: @escaping @Sendable (Result<BulkOutcome, any Error>) -> Void)
    /// Takes up to `limit` notifications whose `expires_at` has passed out of the counts, one event
    /// each, and marks them swept (they stay invisible until purged); reports the earliest expiry
    /// left unswept as of its commit.
    func expire(now: Timestamp, limit: Int) async throws -> ExpirySweep
    /// Deletes notifications swept at or before `cutoff`; returns how many. A store may delete in
    /// several transactions, and stop early when its task is cancelled (the rest waits for the
    /// next call).
    func purgeExpired(sweptBefore cutoff: Timestamp) async throws -> Int
    /// The user's exact counts (O(1): a counters row); `completion` runs on a thread of the
    /// store's own once they are read, and must only hand them on.
    func counts(user: String, completion: @escaping @Sendable (Result<Counts, any Error>) -> Void)
    /// One live (not expired) notification, nil when there is none; `completion` runs on a thread
    /// of the store's own once it is read, and must only hand it on.
    func notification(
        user: String, id: String, now: Timestamp,
        completion: @escaping @Sendable (Result<Notification?, any Error>) -> Void)
    /// A page of live notifications, newest first; `completion` runs on a thread of the store's
    /// own once it is read, and must only hand the page on.
    func list(
        _ query: NotificationQuery, now: Timestamp,
        completion: @escaping @Sendable (Result<NotificationPage, any Error>) -> Void)
    /// The user's counts and, when `seq` is given and below the counts' seq, up to `limit` retained
    /// events with a higher seq, in order, from one snapshot: how a stream starts or catches up.
    /// When the event right after `seq` is no longer retained but later ones are, the first
    /// returned is past `seq + 1` (the page may then hold fewer than `limit`): that is how a
    /// caller tells a gap. `completion` runs on a thread of the store's own once they are read, and must
    /// only hand them on.
    func streamRead(
        user: String, after seq: Int64?, limit: Int,
        completion: @escaping @Sendable (Result<StreamRead, any Error>) -> Void)
    /// Deletes events created before `cutoff`, never one created at or after it (a store may keep
    /// an older one a while longer); returns how many. As ``purgeExpired(sweptBefore:)``, it may
    /// take several transactions and stop early when cancelled.
    func pruneEvents(createdBefore cutoff: Timestamp) async throws -> Int
    /// Whether the store answers.
    func ping() async -> Bool
}

extension NotificationStore {
    /// Applies a state change to one notification.
    public func change(_ change: StateChange, user: String, id: String, now: Timestamp) async throws -> ChangeOutcome {
        try await withCheckedThrowingContinuation { continuation in
            self.change(change, user: user, id: id, now: now) { continuation.resume(with: $0) }
        }
    }

    /// Deletes one notification; nil when it does not exist (or has expired).
    public func delete(user: String, id: String, now: Timestamp) async throws -> RemovalOutcome? {
        try await withCheckedThrowingContinuation { continuation in
            delete(user: user, id: id, now: now) { continuation.resume(with: $0) }
        }
    }

    /// Marks every unread notification of the user read (optionally only one type or tag).
    public func readAll(user: String, filter: BulkFilter, now: Timestamp) async throws -> BulkOutcome {
        try await withCheckedThrowingContinuation { continuation in
            readAll(user: user, filter: filter, now: now) { continuation.resume(with: $0) }
        }
    }

    /// One live (not expired) notification.
    public func notification(user: String, id: String, now: Timestamp) async throws -> Notification? {
        try await withCheckedThrowingContinuation { continuation in
            notification(user: user, id: id, now: now) { continuation.resume(with: $0) }
        }
    }

    /// The user's exact counts.
    public func counts(user: String) async throws -> Counts {
        try await withCheckedThrowingContinuation { continuation in
            counts(user: user) { continuation.resume(with: $0) }
        }
    }

    /// A page of live notifications, newest first.
    public func list(_ query: NotificationQuery, now: Timestamp) async throws -> NotificationPage {
        try await withCheckedThrowingContinuation { continuation in
            list(query, now: now) { continuation.resume(with: $0) }
        }
    }

    /// Deletes every notification and event of the user, leaving one `reset` event.
    public func deleteAll(user: String, now: Timestamp) async throws -> BulkOutcome {
        try await withCheckedThrowingContinuation { continuation in
            deleteAll(user: user, now: now) { continuation.resume(with: $0) }
        }
    }

    /// Marks every notification of the user seen.
    public func markAllSeen(user: String, now: Timestamp) async throws -> BulkOutcome {
        try await withCheckedThrowingContinuation { continuation in
            markAllSeen(user: user, now: now) { continuation.resume(with: $0) }
        }
    }

    /// Creates notifications in one transaction; each draft is independent of the others.
    public func create(
        _ drafts: [NotificationDraft], defaultTTLSeconds: Int64, now: Timestamp
    ) async throws -> [CreateOutcome] {
        try await withCheckedThrowingContinuation { continuation in
            create(drafts, defaultTTLSeconds: defaultTTLSeconds, now: now) { continuation.resume(with: $0) }
        }
    }
}
