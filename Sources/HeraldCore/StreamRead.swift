/// What a stream reads from the store to start or to catch up, from one snapshot: the user's counts
/// and the retained events after a position.
public struct StreamRead: Sendable {
    public var counts: Counts
    /// Retained events after the position asked for, in order (a gap shows as a first event past
    /// the position + 1; see ``NotificationStore/streamRead(user:after:limit:completion:)``); empty
    /// when no position was asked for or it is not below `counts.seq`.
    public var events: [UserEvent]

    public init(counts: Counts, events: [UserEvent]) {
        self.counts = counts
        self.events = events
    }
}
