import HeraldCore
public import Prometheus

/// The service's Prometheus metrics (every name starts with `herald_`).
public struct HeraldMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let streamsOpen: Gauge
    let eventsDelivered: Counter
    let streamCatchUps: Counter
    let streamGaps: Counter
    let streamResets: Counter
    /// Streams ended, by why.
    private let streamsEnded: [StreamEnding: Counter]
    let openFiles: Gauge
    let openFilesLimit: Gauge
    /// The database file, whose size and its WAL's are read at every scrape (nil: not reported).
    private let databasePath: String?
    private let databaseBytes: Gauge
    private let walBytes: Gauge

    /// - Parameter databasePath: the SQLite database, reported as `herald_store_database_bytes`
    ///   and `herald_store_wal_bytes` (a WAL that a long read let grow shows there until the
    ///   store truncates it once writes pause).
    public init(registry: PrometheusCollectorRegistry, databasePath: String? = nil) {
        self.registry = registry
        self.databasePath = databasePath
        func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "herald", metricName: metric, unitName: unit, helpText: help)
        }
        streamsOpen = registry.makeGauge(descriptor: name("sse_streams", "open", "Open SSE streams"))
        eventsDelivered = registry.makeCounter(
            descriptor: name("events_delivered", "total", "Events written to SSE streams"))
        streamCatchUps = registry.makeCounter(
            descriptor: name("stream_catchups", "total", "Streams that fell behind and read from the log"))
        streamGaps = registry.makeCounter(
            descriptor: name(
                "stream_gaps", "total", "Live events that came after a gap, so the stream read the log instead"))
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
        databaseBytes = registry.makeGauge(
            descriptor: name("store_database", "bytes", "Size of the SQLite database file"))
        walBytes = registry.makeGauge(
            descriptor: name("store_wal", "bytes", "Size of the SQLite database's WAL file"))
        registry.makeGauge(
            descriptor: name("build", "info", "Always 1; the version label says which Herald runs"),
            labels: [("version", HeraldVersion.current)]
        ).set(Int64(1))
    }

    /// Counts a stream that ended, and why.
    func streamEnded(_ reason: StreamEnding) {
        streamsEnded[reason]?.increment()
    }

    /// The metrics' text, with the open files counted and the database's files measured now.
    func emit() -> [UInt8] {
        if let count = OpenFiles.count() { openFiles.set(Int64(count)) }
        openFilesLimit.set(Int64(clamping: OpenFiles.limit))
        if let databasePath {
            databaseBytes.set(FileSize.bytes(atPath: databasePath))
            walBytes.set(FileSize.bytes(atPath: databasePath + "-wal"))
        }
        return registry.emitToBuffer()
    }
}
