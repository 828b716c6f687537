import ArgumentParser
import Foundation
import Memcached

/// Scenario 4 (physical limit): gets straight through the `Memcached` module at a given concurrency.
struct MemcachedLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memcached", abstract: "Raw get throughput through the Memcached module.")

    @Option(help: "memcached server(s): HOST:PORT[,…] or /path.sock.") var server = "127.0.0.1:11211"
    @Option(help: "Concurrent callers.") var concurrency = 16
    @Option(help: "Client connections (= worker threads).") var connections = 4
    @Option(help: "Seconds to run.") var duration = 10.0
    @Option(help: "Distinct keys.") var keys = 1000
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let client = try MemcachedClient(
            configuration: .init(servers: try MemcachedServer.parseList(server), connections: connections))
        for index in 0..<keys { try await client.set("bench:\(index)", value: Array("\(index)".utf8)) }
        let latencies = LatencyRecorder()
        let completed = NIOLockedCounter()
        let started = BenchClock.now()
        let deadline = started + UInt64(duration * 1e9)
        let keyCount = keys
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var index = worker
                    while BenchClock.now() < deadline {
                        let sent = BenchClock.now()
                        _ = try await client.get("bench:\(index % keyCount)")
                        latencies.record(nanoseconds: BenchClock.now() - sent)
                        completed.add()
                        index += concurrency
                    }
                }
            }
            try await group.waitForAll()
        }
        let seconds = Double(BenchClock.now() - started) / 1e9
        try common.emit([
            "scenario": .text("memcached"), "concurrency": .number(Double(concurrency)),
            "connections": .number(Double(connections)), "gets": .number(Double(completed.value)),
            "gets_per_second": .number(Double(completed.value) / seconds),
            "latency_ms": .latency(latencies.summary()),
        ])
        await client.shutdown()
    }
}
