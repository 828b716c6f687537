import ArgumentParser
import HeraldCore
import NIOCore
import NIOPosix

/// Scenario 3: N idle SSE streams; server memory per stream = RSS delta / N.
struct IdleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idle", abstract: "Server memory per idle SSE stream (needs --server-pids).")

    @Option(help: "Subscriber URL template.") var subURL = "http://127.0.0.1:8090/sub/{channel}"
    @Option(help: "Number of streams.") var streams = 10_000
    @Option(help: "Channel id prefix.") var channelPrefix = "idle"
    @Option(help: "Seconds to hold the streams before measuring.") var hold = 3.0
    @OptionGroup var common: CommonOptions

    func run() async throws {
        guard !common.pids.isEmpty else { throw BenchError("--server-pids is required") }
        OpenFiles.raiseLimit(ceiling: .max)  // 10k+ streams need it
        let template = try URLTemplate(subURL)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, common.threads))
        let log = DeliveryLog(run: "idle", eventName: nil)
        let before = ProcessStats.residentBytes(common.pids)
        let opened = try await SubscriberPool.open(
            count: streams, channels: streams, prefix: channelPrefix, template: template,
            headers: common.parsedHeaders, log: log, group: group)
        try await Task.sleep(for: .seconds(hold))
        let after = ProcessStats.residentBytes(common.pids)
        let connected = log.connected.value
        try common.emit([
            "scenario": .text("idle"), "streams": .number(Double(streams)),
            "connected": .number(Double(connected)), "rss_before_bytes": .number(Double(before)),
            "rss_after_bytes": .number(Double(after)),
            "bytes_per_stream": .number(connected > 0 ? Double(after - before) / Double(connected) : 0),
            "dropped_streams": .number(Double(log.dropped.value)),
        ])
        for channel in opened { try? await channel.close() }
        try await group.shutdownGracefully()
    }
}
