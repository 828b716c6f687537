import Foundation

/// Latency percentiles in milliseconds.
struct LatencySummary: Codable, Sendable {
    var count: UInt64
    var p50: Double
    var p90: Double
    var p99: Double
    var p999: Double
    var max: Double

    var line: String {
        String(format: "p50=%.2fms p90=%.2fms p99=%.2fms p99.9=%.2fms max=%.2fms", p50, p90, p99, p999, max)
    }
}
