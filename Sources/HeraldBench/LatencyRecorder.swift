import Foundation
import Histogram
import NIOConcurrencyHelpers

/// A thread-safe HdrHistogram of latencies in nanoseconds (1 µs to 60 s, 3 significant digits).
final class LatencyRecorder: Sendable {
    private let histogram = NIOLockedValueBox(
        Histogram<UInt64>(
            lowestDiscernibleValue: 1_000, highestTrackableValue: 60_000_000_000,
            numberOfSignificantValueDigits: .three))

    func record(nanoseconds: UInt64) {
        let value = min(max(nanoseconds, 1_000), 60_000_000_000)
        histogram.withLockedValue { _ = $0.record(value) }
    }

    var count: UInt64 { histogram.withLockedValue { $0.totalCount } }

    /// p50/p90/p99/p99.9/max in milliseconds.
    func summary() -> LatencySummary {
        histogram.withLockedValue { histogram in
            func ms(_ value: UInt64) -> Double { Double(value) / 1_000_000 }
            return LatencySummary(
                count: histogram.totalCount,
                p50: ms(histogram.valueAtPercentile(50)), p90: ms(histogram.valueAtPercentile(90)),
                p99: ms(histogram.valueAtPercentile(99)), p999: ms(histogram.valueAtPercentile(99.9)),
                max: ms(histogram.maxRecorded))
        }
    }
}
