import NIOConcurrencyHelpers

/// Every timed delivery of a fan-out run: when its publish was scheduled and when it arrived
/// (`BenchClock` nanoseconds), kept only when asked for (`fanout --deliveries-out`), to see where
/// in a run its tail lies: a warm-up, a few long stalls, or many short ones spread over the run
/// (`python3 bench/report.py --tail FILE`).
final class DeliveryTrace: Sendable {
    private let deliveries = NIOLockedValueBox<[(sent: UInt64, received: UInt64)]>([])

    func record(sent: UInt64, received: UInt64) {
        deliveries.withLockedValue { $0.append((sent, received)) }
    }

    var count: Int { deliveries.withLockedValue { $0.count } }

    /// One line per delivery published at or after `start`, in the order they were scheduled:
    /// microseconds from `start` to the publish's scheduled time, then microseconds from that time
    /// to the arrival.
    func lines(since start: UInt64) -> String {
        let sorted = deliveries.withLockedValue { $0 }.filter { $0.sent >= start }.sorted { $0.sent < $1.sent }
        var text = ""
        text.reserveCapacity(sorted.count * 16)
        for delivery in sorted {
            let latency = delivery.received > delivery.sent ? delivery.received - delivery.sent : 0
            text += "\((delivery.sent - start) / 1_000) \(latency / 1_000)\n"
        }
        return text
    }
}
