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
        let load = ClosedLoop(concurrency: concurrency, duration: duration)
        let keyCount = keys
        let seconds = try await load.run { number in _ = try await client.get("bench:\(number % keyCount)") }
        try common.emit([
            "scenario": .text("memcached"), "concurrency": .number(Double(concurrency)),
            "connections": .number(Double(connections)), "gets": .number(Double(load.completed.value)),
            "gets_per_second": .number(Double(load.completed.value) / seconds),
            "latency_ms": .latency(load.latencies.summary()),
        ])
        await client.shutdown()
    }
}
