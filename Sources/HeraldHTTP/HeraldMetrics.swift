import HeraldCore
public import Prometheus

/// The service's Prometheus metrics (every name starts with `herald_`).
public struct HeraldMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let streamsOpen: Gauge
    let eventsDelivered: Counter
    let streamCatchUps: Counter
    let streamResets: Counter
    /// Streams ended, by why.
    private let streamsEnded: [StreamEnding: Counter]
    let openFiles: Gauge
    let openFilesLimit: Gauge

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "herald", metricName: metric, unitName: unit, helpText: help)
        }
        streamsOpen = registry.makeGauge(descriptor: name("sse_streams", "open", "Open SSE streams"))
        eventsDelivered = registry.makeCounter(
            descriptor: name("events_delivered", "total", "Events written to SSE streams"))
        streamCatchUps = registry.makeCounter(
            descriptor: name("stream_catchups", "total", "Streams that fell behind and read from the log"))
        streamResets = registry.makeCounter(
            descriptor: name("stream_resets", "total", "Streams sent a reset event"))
        let ended = name("sse_streams_ended", "total", "SSE streams ended, by why")
        streamsEnded = Dictionary(
            uniqueKeysWithValues: StreamEnding.allCases.map { reason in
                (reason, registry.makeCounter(descriptor: ended, labels: [("reason", reason.rawValue)]))
            })
        openFiles = registry.makeGauge(
            descriptor: name("open_files", "", "Files the process has open, connections included"))
        openFilesLimit = registry.makeGauge(
            descriptor: name("open_files_limit", "", "The process's limit on open files (RLIMIT_NOFILE)"))
        registry.makeGauge(
            descriptor: name("build", "info", "Always 1; the version label says which Herald runs"),
            labels: [("version", HeraldVersion.current)]
        ).set(Int64(1))
    }

    /// Counts a stream that ended, and why.
    func streamEnded(_ reason: StreamEnding) {
        streamsEnded[reason]?.increment()
    }

    /// The metrics' text, with the open files counted now.
    func emit() -> [UInt8] {
        if let count = OpenFiles.count() { openFiles.set(Int64(count)) }
        openFilesLimit.set(Int64(clamping: OpenFiles.limit))
        return registry.emitToBuffer()
    }
}
