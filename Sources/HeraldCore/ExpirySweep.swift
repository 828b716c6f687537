/// What one expiry sweep did (``NotificationStore/expire(now:limit:)``).
public struct ExpirySweep: Sendable, Hashable {
    /// The notifications it took out of the counts, one event each.
    public var removed: [RemovalOutcome]
    /// The earliest `expires_at` among the notifications still unswept when it committed; nil when
    /// none is left.
    public var nextExpiry: Timestamp?

    public init(removed: [RemovalOutcome], nextExpiry: Timestamp?) {
        self.removed = removed
        self.nextExpiry = nextExpiry
    }
}
