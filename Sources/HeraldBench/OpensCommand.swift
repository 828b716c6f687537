import ArgumentParser
import HeraldCore
import NIOCore
import NIOPosix

/// Stream openings, as after a deploy when every browser reconnects: each of `connections`
/// callers opens a stream on a new connection, reads its first events, closes it and opens the
/// next. Measures openings per second, the time from connecting to the last wanted event, and
/// the server's CPU per opening.
struct OpensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "opens", abstract: "SSE stream openings: connect, read the first events, close.")

    @Option(help: "Stream URL template ({channel}).")
    var subURL = "http://127.0.0.1:8080/v1/users/{channel}/stream"
    @Option(help: "Streams opening at once.") var connections = 16
    @Option(help: "Seconds to run.") var duration = 10.0
    @Option(help: "Distinct channels (users) {channel} cycles through.") var channels = 1000
    @Option(help: "Channel id prefix.") var channelPrefix = "u"
    @Option(
        help: """
            Events each stream reads before it closes: 1 for a fresh stream's counts, N for a resume \
            with a Last-Event-ID N events behind (pass it with --header), 0 for the response head \
            alone (a peer that sends nothing on subscribing).
            """)
    var events = 1
    @Option(
        help: """
            Seconds a stream may take to bring its events; one that has not fails the run, saying how \
            many came (a resume from beyond the user's seq brings a reset alone).
            """)
    var eventDeadline = 10.0
    @OptionGroup var common: CommonOptions

    func run() async throws {
        guard events >= 0 else { throw BenchError("--events must not be negative") }
        guard eventDeadline > 0 else { throw BenchError("--event-deadline must be positive") }
        OpenFiles.raiseLimit(ceiling: .max)  // 10k+ streams need it
        let template = try URLTemplate(subURL)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, common.threads))
        let log = DeliveryLog(run: "opens", eventName: nil)
        let load = ClosedLoop(concurrency: connections, duration: duration)
        let (headers, prefix, channelCount, wanted, deadline) = (
            common.parsedHeaders, channelPrefix, channels, events, eventDeadline
        )
        let cpuBefore = ProcessStats.cpuSeconds(common.pids)
        let progress = Progress.everySecond(since: BenchClock.now()) { elapsed in
            "\(Int(elapsed))s opened \(load.completed.value) \(load.latencies.summary().line)"
        }
        let seconds = try await load.run { number in
            let path = template.path(TemplateValues(channel: "\(prefix)\(number % channelCount)"))
            let countdown = EventCountdown(events: wanted, on: group.next(), deadline: deadline)
            let stream: any Channel
            do {
                stream = try await SSESubscriber.open(
                    host: template.host, port: template.port, path: path, headers: headers, log: log,
                    group: group, countdown: countdown)
            } catch {
                countdown.ended()
                throw error
            }
            do {
                try await countdown.futureResult.get()
            } catch {
                try? await stream.close()
                throw error
            }
            try await stream.close()
        }
        progress.cancel()
        Progress.end()
        let cpu = ProcessStats.cpuSeconds(common.pids) - cpuBefore
        let opened = load.completed.value
        try common.emit([
            "scenario": .text("opens"), "url": .text(subURL), "connections": .number(Double(connections)),
            "events_per_stream": .number(Double(events)), "streams_opened": .number(Double(opened)),
            "opens_per_second": .number(Double(opened) / seconds), "latency_ms": .latency(load.latencies.summary()),
            "server_cpu_seconds": .number(cpu),
            "server_cpu_us_per_open": .number(opened > 0 ? cpu * 1e6 / Double(opened) : 0),
        ])
        try await group.shutdownGracefully()
    }
}
