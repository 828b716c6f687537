import ArgumentParser
import Foundation
import HeraldCore
import NIOCore
import NIOPosix

/// Scenarios 1 and 2: N SSE subscribers over C channels, publishes at a fixed rate, publish→receive latency.
struct FanoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fanout", abstract: "SSE fan-out latency and throughput at a fixed publish rate.")

    @Option(help: "Subscriber URL template.") var subURL = "http://127.0.0.1:8090/sub/{channel}"
    @Option(help: "Publish URL template.") var pubURL = "http://127.0.0.1:8090/pub/{channel}"
    @Option(help: "Publish body template ({token} must appear in what subscribers receive).")
    var pubBody = "{token} {pad}"
    @Option(help: "Publish Content-Type.") var pubContentType = "text/plain"
    @Option(help: "Number of SSE subscribers.") var subscribers = 1000
    @Option(help: "Channels (users): subscriber i on i % C, message j to j % C.") var channels = 1000
    @Option(help: "Channel id prefix.") var channelPrefix = "u"
    @Option(help: "Publish rate, messages per second.") var rate = 1000.0
    @Option(help: "Publishing time in seconds.") var duration = 10.0
    @Option(help: "Keep-alive publisher connections.") var pubConns = 16
    @Option(
        help: ArgumentHelp(
            "GET this URL template once per channel after the streams opened, before publishing.",
            discussion:
                "As a page that shows the user's badge from a counts read: Herald then holds each user's counts in memcached and updates them on every publish."
        ))
    var warmURL: String?
    @Option(help: "Message size target for {pad} in bytes.") var msgSize = 64
    @Option(help: "Count only SSE events with this name (empty: all).") var eventName = ""
    @Option(help: "Seconds to wait for stragglers after publishing.") var grace = 5.0
    @Option(
        help: ArgumentHelp(
            "Write each delivery to this file: µs from the start to its publish's scheduled time, µs from then to its arrival, µs from then to the publish's send.",
            discussion: "Summarize with python3 bench/report.py --tail FILE."))
    var deliveriesOut: String?
    @Flag(
        help: ArgumentHelp(
            "While publishing, watch for stalls of the whole machine as herald-bench stalls does.",
            discussion:
                "The result gets machine_stopped_ms_per_second and machine_stalls: on a VM, how long its host did not run it."
        ))
    var stallProbe = false
    @OptionGroup var common: CommonOptions

    func run() async throws {
        OpenFiles.raiseLimit(ceiling: .max)  // 10k+ streams need it
        let subTemplate = try URLTemplate(subURL)
        let pubTemplate = try URLTemplate(pubURL)
        let warmTemplate = try warmURL.map(URLTemplate.init)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, common.threads))
        let run = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let log = DeliveryLog(
            run: run, eventName: eventName.isEmpty ? nil : eventName, trace: deliveriesOut.map { _ in DeliveryTrace() })
        let headers = common.parsedHeaders
        let streams = try await SubscriberPool.open(
            count: subscribers, channels: channels, prefix: channelPrefix, template: subTemplate, headers: headers,
            log: log, group: group)
        try await Task.sleep(for: .seconds(1))
        let baseline = log.latencies.count  // snapshot or replayed events are not counted
        let messages = Int(rate * duration)
        let expected = (0..<messages).reduce(0) { total, index in
            let channel = index % channels
            return total + (subscribers - channel + channels - 1) / channels
        }
        if let warmTemplate {
            try await ChannelWarmer.get(
                warmTemplate, channels: channels, prefix: channelPrefix, headers: headers, group: group)
        }
        let publisher = try await Publisher.start(
            template: pubTemplate, connections: pubConns, group: group,
            headers: headers + [("Content-Type", pubContentType)], trace: log.trace)
        let cpuBefore = ProcessStats.cpuSeconds(common.pids)
        let started = BenchClock.now()
        let interval = 1_000_000_000 / rate
        let pad = String(repeating: "x", count: max(0, msgSize - 40))
        let progress = Progress.everySecond(since: started) { elapsed in
            String(
                format: "%.0fs published %d/%d delivered %llu/%d %@", elapsed, publisher.completed.value,
                messages, log.latencies.count - baseline, expected, log.latencies.summary().line)
        }
        let stalls = stallProbe ? StallProbe.watch(seconds: duration) : nil
        let bodyTemplate = TextTemplate(pubBody)
        await publisher.publish(count: messages) { index in
            let scheduled = started + UInt64(Double(index) * interval)
            let values = TemplateValues(
                channel: "\(channelPrefix)\(index % channels)", seq: index, ts: scheduled, run: run, pad: pad)
            return (scheduled, pubTemplate.path(values), bodyTemplate.render(values))
        }
        let publishEnd = BenchClock.now()
        let graceEnd = publishEnd + UInt64(grace * 1e9)
        while Int(log.latencies.count - baseline) < expected, BenchClock.now() < graceEnd {
            try await Task.sleep(for: .milliseconds(20))
        }
        progress.cancel()
        Progress.end()
        if let deliveriesOut, let trace = log.trace {
            try trace.lines(since: started).write(toFile: deliveriesOut, atomically: true, encoding: .utf8)
        }
        let cpu = ProcessStats.cpuSeconds(common.pids) - cpuBefore
        let delivered = Int(log.latencies.count - baseline)
        let seconds = Double(publishEnd - started) / 1e9
        let summary = log.latencies.summary()
        var result: [String: BenchValue] = [
            "scenario": .text("fanout"), "subscribers": .number(Double(subscribers)),
            "channels": .number(Double(channels)), "rate": .number(rate), "messages": .number(Double(messages)),
            "published_ok": .number(Double(publisher.succeeded.value)),
            "publish_errors": .number(Double(publisher.failed.value)),
            "publish_statuses": .counts(publisher.statuses()),
            "expected_deliveries": .number(Double(expected)), "delivered": .number(Double(delivered)),
            "delivered_per_second": .number(Double(delivered) / seconds),
            "latency_ms": .latency(summary), "publish_latency_ms": .latency(publisher.latencies.summary()),
            "publish_send_lateness_ms": .latency(publisher.sendLateness.summary()),
            "server_cpu_seconds": .number(cpu),
            "server_cpu_us_per_delivery": .number(delivered > 0 ? cpu * 1e6 / Double(delivered) : 0),
            "dropped_streams": .number(Double(log.dropped.value)),
        ]
        if let warmURL { result["warm_url"] = .text(warmURL) }
        if let stalls {
            let watched = await stalls.value
            result["machine_stopped_ms_per_second"] = .number(watched.stalledMilliseconds / duration)
            result["machine_stalls"] = .number(Double(watched.stalls))
        }
        try common.emit(result)
        for stream in streams { try? await stream.close() }
        await publisher.close()
        try await group.shutdownGracefully()
    }
}
