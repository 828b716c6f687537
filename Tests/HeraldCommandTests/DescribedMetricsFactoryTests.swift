import Foundation
import HeraldCore
import HeraldHTTP
import Metrics
import Prometheus
import Testing

@testable import herald

/// Metrics counted through swift-metrics get their `# HELP` lines, and every metric the README
/// documents has one.
struct DescribedMetricsFactoryTests {
    @Test func describedMetricsGetTheirHelpAndTheRestKeepTheBaseFactorysWays() {
        let registry = PrometheusCollectorRegistry()
        var base = PrometheusMetricsFactory(registry: registry)
        base.defaultDurationHistogramBuckets = [.milliseconds(1), .milliseconds(2)]
        let factory = DescribedMetricsFactory(
            base: base, help: ["t_total": "Things counted", "t_seconds": "Time taken", "t_sizes": "Sizes seen"])
        factory.makeCounter(label: "t_total", dimensions: [("kind", "a")]).increment(by: 2)
        factory.makeCounter(label: "t_total", dimensions: [("kind", "b")]).increment(by: 1)
        factory.makeTimer(label: "t_seconds", dimensions: []).recordNanoseconds(1_500_000)
        factory.makeRecorder(label: "t_sizes", dimensions: [], aggregate: true).record(Int64(7))
        factory.makeCounter(label: "u_total", dimensions: []).increment(by: 1)
        let lines = registry.emitToString().split(separator: "\n").map(String.init)

        #expect(lines.filter { $0 == "# HELP t_total Things counted" }.count == 1)
        #expect(lines.contains(#"t_total{kind="a"} 2"#))
        #expect(lines.contains(#"t_total{kind="b"} 1"#))
        #expect(lines.contains("# HELP t_seconds Time taken"))
        #expect(lines.contains("# TYPE t_seconds histogram"))
        #expect(lines.contains(#"t_seconds_bucket{le="0.002"} 1"#))  // the base factory's buckets
        #expect(!lines.contains(#"t_seconds_bucket{le="0.005"} 1"#))
        #expect(lines.contains("# HELP t_sizes Sizes seen"))
        #expect(lines.contains("# TYPE t_sizes histogram"))
        #expect(lines.contains("# TYPE u_total counter"))
        #expect(!lines.contains { $0.hasPrefix("# HELP u_total") })
        #expect(lines.contains("u_total 1"))
    }

    /// The repository's root, where the README is.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func everyMetricTheReadmeDocumentsIsDescribed() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        // The metrics table's rows: `  | `herald_a`, `herald_b` | type | labels | meaning |`.
        let documented = readme.split(separator: "\n").filter { $0.hasPrefix("  | `herald_") }.flatMap { row in
            row.split(separator: "|")[1].split(separator: "`").filter { $0.hasPrefix("herald_") }.map(String.init)
        }
        #expect(documented.count > 25)
        let registry = PrometheusCollectorRegistry()
        _ = HeraldMetrics(registry: registry)
        let registered = registry.emitToString().split(separator: "\n").filter { $0.hasPrefix("# HELP ") }
            .map { String($0.split(separator: " ")[2]) }
        let undescribed = documented.filter { MetricHelp.texts[$0] == nil && !registered.contains($0) }
        #expect(undescribed == [])
        #expect(Set(MetricHelp.texts.keys).isSubset(of: documented))
    }

    @Test func theVersionIsTheOneOpenAPIGivesAndBuildInfoSaysIt() throws {
        let openAPI = try String(contentsOf: Self.root.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        #expect(openAPI.contains("\n  version: \"\(HeraldVersion.current)\"\n"))
        #expect(Herald.configuration.version == HeraldVersion.current)
        let registry = PrometheusCollectorRegistry()
        _ = HeraldMetrics(registry: registry)
        #expect(registry.emitToString().contains("herald_build_info{version=\"\(HeraldVersion.current)\"} 1"))
    }
}
