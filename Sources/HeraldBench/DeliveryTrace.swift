import NIOConcurrencyHelpers

/// Every timed delivery of a fan-out run: when its publish was scheduled, when that publish went
/// out and when the delivery arrived (`BenchClock` nanoseconds), kept only when asked for
/// (`fanout --deliveries-out`), to see where in a run its tail lies (a warm-up, a few long stalls,
/// or many short ones spread over the run) and how much of it the publisher's own lateness is
/// (`python3 bench/report.py --tail FILE`).
final class DeliveryTrace: Sendable {
    private let deliveries = NIOLockedValueBox<[(sent: UInt64, received: UInt64)]>([])
    /// When each scheduled publish was sent, by its scheduled time.
    private let sends = NIOLockedValueBox<[UInt64: UInt64]>([:])

    func record(sent: UInt64, received: UInt64) {
        deliveries.withLockedValue { $0.append((sent, received)) }
    }

    /// Notes that the publish scheduled at `scheduled` went out at `at`.
    func recordSend(scheduled: UInt64, at: UInt64) {
        sends.withLockedValue { $0[scheduled] = at }
    }

    var count: Int { deliveries.withLockedValue { $0.count } }

    /// One line per delivery published at or after `start`, in the order they were scheduled:
    /// microseconds from `start` to the publish's scheduled time, from that time to the arrival,
    /// and from that time to the publish's send (`-` when no send was recorded for it).
    func lines(since start: UInt64) -> String {
        let sorted = deliveries.withLockedValue { $0 }.filter { $0.sent >= start }.sorted { $0.sent < $1.sent }
        let sends = self.sends.withLockedValue { $0 }
        var text = ""
        text.reserveCapacity(sorted.count * 20)
        for delivery in sorted {
            let latency = Self.microseconds(from: delivery.sent, to: delivery.received)
            let lateness = sends[delivery.sent].map { String(Self.microseconds(from: delivery.sent, to: $0)) } ?? "-"
            text += "\((delivery.sent - start) / 1_000) \(latency) \(lateness)\n"
        }
        return text
    }

    /// Whole microseconds from `start` to `end`; 0 when the clocks crossed.
    private static func microseconds(from start: UInt64, to end: UInt64) -> UInt64 {
        end > start ? (end - start) / 1_000 : 0
    }
}
