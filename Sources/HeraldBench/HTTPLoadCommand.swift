import ArgumentParser
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Scenarios 4 (HTTP side) and 5: requests over keep-alive connections, closed loop or at a fixed rate.
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
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let template = try URLTemplate(url)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, common.threads))
        var headers = common.parsedHeaders
        if body != nil { headers.append(("Content-Type", contentType)) }
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
}
