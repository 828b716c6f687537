/// The result of creating one notification.
public enum CreateOutcome: Sendable, Hashable {
    /// A new notification was stored. Boxed: a change holds a dozen references, and Swift copies
    /// a case's whole payload to match it; copying and destroying outcomes took ~13% of the writer
    /// thread's samples under batches (`perf`). A box copies as one retain.
    indirect case created(NotificationChange)
    /// The same `(user, id)` with identical content already existed: nothing changed.
    case replayed(Notification, Counts)
    /// The same `(user, id)` exists with different content.
    case conflict
}

extension CreateOutcome {
    /// A new notification's event, counts delta and expiry; nil for a replay or a conflict. Read
    /// in place: binding the case (`case .created(let change)`) copied the whole change first.
    public var eventDeltaAndExpiry: (event: UserEvent, delta: CountsDelta, expiresAt: Timestamp)? {
        switch self {
        case .created(let change): return (change.event, change.delta, change.notification.expiresAt)
        case .replayed, .conflict: return nil
        }
    }
}
