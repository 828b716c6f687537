import ArgumentParser
import Foundation
import HeraldCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// Scenarios 4 (HTTP side) and 5: requests over keep-alive connections, closed loop or at a fixed
/// rate; or, with `--new-connections`, each request on a connection of its own, as clients without
/// keep-alive send them.
struct HTTPLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http", abstract: "HTTP request throughput and latency (reads or writes).")

    @Option(help: "URL template ({channel}, {seq}, {token}, {ts}).") var url = "http://127.0.0.1:8080/healthz"
    @Option(help: "HTTP method.") var method = "GET"
    @Option(help: "Body template (POST/PUT).") var body: String?
    @Option(help: "Content-Type of the body.") var contentType = "application/json"
    @Option(help: "Keep-alive connections (= requests in flight).") var connections = 16
    @Option(help: "Seconds to run.") var duration = 10.0
    @Option(help: "Fixed request rate per second (0: as fast as the connections go).") var rate = 0.0
    @Option(help: "Distinct channels (users) {channel} cycles through.") var channels = 1000
    @Option(help: "Channel id prefix.") var channelPrefix = "u"
    @Option(help: "Items per request when the body is a batch (for items/s).") var itemsPerRequest = 1
    @Flag(
        help: """
            Each request on a new connection, closed when its answer ended (--connections at once, \
            closed loop), as clients without keep-alive; add --header 'Connection: close' to say so.
            """)
    var newConnections = false
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let template = try URLTemplate(url)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, common.threads))
        var headers = common.parsedHeaders
        if body != nil { headers.append(("Content-Type", contentType)) }
        if newConnections {
            guard rate == 0 else { throw BenchError("--new-connections runs a closed loop: no --rate") }
            try await runOnNewConnections(template: template, headers: headers, group: group)
            try await group.shutdownGracefully()
            return
        }
        let publisher = try await Publisher.start(
            template: template, connections: connections, group: group, headers: headers,
            method: HTTPMethod(rawValue: method.uppercased()))
        let run = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let total = rate > 0 ? Int(rate * duration) : Int.max
        let cpuBefore = ProcessStats.cpuSeconds(common.pids)
        let started = BenchClock.now()
        let deadline = started + UInt64(duration * 1e9)
        let interval = rate > 0 ? 1e9 / rate : 0
        let progress = Progress.everySecond(since: started) { elapsed in
            String(
                format: "%.0fs requests %d (%.0f/s) %@", elapsed, publisher.completed.value,
                Double(publisher.completed.value) / max(elapsed, 0.001), publisher.latencies.summary().line)
        }
        let bodyTemplate = body.map(TextTemplate.init)
        let prefix = channelPrefix
        let channelCount = channels
        await publisher.publish(count: total) { index in
            let scheduled = interval > 0 ? started + UInt64(Double(index) * interval) : 0
            if BenchClock.now() >= deadline || scheduled >= deadline { return nil }
            let values = TemplateValues(
                channel: "\(prefix)\(index % channelCount)", seq: index, ts: scheduled, run: run)
            return (scheduled, template.path(values), bodyTemplate.map { $0.render(values) })
        }
        progress.cancel()
        Progress.end()
        let seconds = Double(BenchClock.now() - started) / 1e9
        let cpu = ProcessStats.cpuSeconds(common.pids) - cpuBefore
        let ok = publisher.succeeded.value
        var result: [String: BenchValue] = [
            "scenario": .text("http"), "method": .text(method.uppercased()), "url": .text(url),
            "connections": .number(Double(connections)), "rate": .number(rate),
            "requests_ok": .number(Double(ok)), "errors": .number(Double(publisher.failed.value)),
            "statuses": .counts(publisher.statuses()),
            "requests_per_second": .number(Double(ok) / seconds),
            "items_per_second": .number(Double(ok * itemsPerRequest) / seconds),
            "latency_ms": .latency(publisher.latencies.summary()), "server_cpu_seconds": .number(cpu),
        ]
        if interval > 0 { result["send_lateness_ms"] = .latency(publisher.sendLateness.summary()) }
        try common.emit(result)
        await publisher.close()
        try await group.shutdownGracefully()
    }

    /// The closed loop of `--new-connections`: connect, send, read the answer, close, again.
    private func runOnNewConnections(
        template: URLTemplate, headers: [(String, String)], group: MultiThreadedEventLoopGroup
    ) async throws {
        OpenFiles.raiseLimit(ceiling: .max)  // --connections sockets open at once, as many as asked
        let load = ClosedLoop(concurrency: connections, duration: duration)
        let (succeeded, failed) = (NIOLockedCounter(), NIOLockedCounter())
        let httpMethod = HTTPMethod(rawValue: method.uppercased())
        let run = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let (bodyTemplate, prefix, channelCount) = (body.map(TextTemplate.init), channelPrefix, channels)
        let cpuBefore = ProcessStats.cpuSeconds(common.pids)
        let progress = Progress.everySecond(since: BenchClock.now()) { elapsed in
            "\(Int(elapsed))s requests \(load.completed.value) \(load.latencies.summary().line)"
        }
        let seconds = try await load.run { number in
            let values = TemplateValues(channel: "\(prefix)\(number % channelCount)", seq: number, ts: 0, run: run)
            let connection = try await HTTPConnection.connect(
                host: template.host, port: template.port, headers: headers, group: group)
            let status = try await connection.channel.eventLoop.flatSubmit {
                connection.send(method: httpMethod, path: template.path(values), body: bodyTemplate?.render(values))
            }.get()
            await connection.close()
            if (200..<300).contains(status) { succeeded.add() } else { failed.add() }
        }
        progress.cancel()
        Progress.end()
        let cpu = ProcessStats.cpuSeconds(common.pids) - cpuBefore
        let ok = succeeded.value
        try common.emit([
            "scenario": .text("http"), "method": .text(method.uppercased()), "url": .text(url),
            "connections": .number(Double(connections)), "rate": .number(0), "new_connections": .number(1),
            "requests_ok": .number(Double(ok)), "errors": .number(Double(failed.value)),
            "requests_per_second": .number(Double(ok) / seconds),
            "items_per_second": .number(Double(ok * itemsPerRequest) / seconds),
            "latency_ms": .latency(load.latencies.summary()), "server_cpu_seconds": .number(cpu),
        ])
    }
}
