/// Shared by all subscribers of a run: deliveries and their latencies.
final class DeliveryLog: Sendable {
    let latencies = LatencyRecorder()
    let run: String
    let eventName: String?
    let connected = NIOLockedCounter()
    let dropped = NIOLockedCounter()
    /// Each timed delivery, when asked for (nil: only the histogram).
    let trace: DeliveryTrace?

    init(run: String, eventName: String?, trace: DeliveryTrace? = nil) {
        self.run = run
        self.eventName = eventName
        self.trace = trace
    }
}
