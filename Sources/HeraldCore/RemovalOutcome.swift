/// A notification removed by delete or expiry.
public struct RemovalOutcome: Sendable, Hashable {
    public var id: String
    public var counts: Counts
    public var event: UserEvent
    public var delta: CountsDelta

    public init(id: String, counts: Counts, event: UserEvent, delta: CountsDelta) {
        self.id = id
        self.counts = counts
        self.event = event
        self.delta = delta
    }
}
