/// The result of read-all or seen.
public struct BulkOutcome: Sendable, Hashable {
    public var updated: Int
    public var counts: Counts
    /// nil when nothing changed (no event is sent).
    public var event: UserEvent?
    public var delta: CountsDelta?

    public init(updated: Int, counts: Counts, event: UserEvent?, delta: CountsDelta?) {
        self.updated = updated
        self.counts = counts
        self.event = event
        self.delta = delta
    }
}
