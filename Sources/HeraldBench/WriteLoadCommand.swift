import ArgumentParser
import Foundation
import HeraldCache
import HeraldCore
import HeraldSQLite
import Logging
import Memcached

/// Scenario 5 without HTTP: creates straight through the SQLite store (`--layer store`) or through
/// the whole service — store, memcached counts, broker — (`--layer service`), at the concurrency
/// and with the users of the HTTP write loads. The gap to the HTTP figures is what the HTTP layer
/// costs; the store figure is the limit the durable commit sets on this machine.
struct WriteLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "writes", abstract: "Creates through the store or the service, without HTTP.")

    enum Layer: String, ExpressibleByArgument, CaseIterable {
        case store, service
    }

    @Option(help: "What the creates go through: store or service (store + memcached + broker).")
    var layer = Layer.store
    @Option(help: "SQLite database file (created; a scratch file by default, removed afterwards).")
    var database: String?
    @Option(help: "memcached server(s) for --layer service: HOST:PORT[,…] or /path.sock.")
    var memcached = "127.0.0.1:11211"
    @Option(help: "Concurrent callers.") var concurrency = 32
    @Option(help: "Notifications per create call (a batch when above 1).") var batch = 1
    @Option(help: "Distinct users single creates cycle through.") var users = 1000
    @Flag(help: "Every notification to a user of its own (as the HTTP batch load does).") var freshUsers = false
    @Option(help: "Seconds to run.") var duration = 10.0
    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard concurrency >= 1, batch >= 1, users >= 1, duration > 0 else {
            throw ValidationError("--concurrency, --batch, --users and --duration must be positive")
        }
    }

    func run() async throws {
        let scratch = database == nil
        let path = database ?? NSTemporaryDirectory() + "herald-bench-\(UInt32.random(in: 0...UInt32.max)).sqlite"
        defer {
            if scratch {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            }
        }
        let store = try SQLiteStore(path: path)
        let create: @Sendable ([NotificationDraft]) async throws -> Void
        var stop: @Sendable () async -> Void = {}
        switch layer {
        case .store:
            let ttl = HeraldConfiguration().defaultTTLSeconds
            create = { drafts in _ = try await store.create(drafts, defaultTTLSeconds: ttl, now: .now()) }
        case .service:
            let client = try MemcachedClient(configuration: .init(servers: try MemcachedServer.parseList(memcached)))
            let health = try await CacheHealth(
                client: client, generations: store, keyPrefix: "herald-bench", logger: Logger(label: "bench"))
            let broker = InProcessBroker()
            // The server's hub reads every published event; so does this drain.
            let drain = Task { for await _ in broker.subscribe() {} }
            let service = HeraldService(
                store: store, cache: MemcachedCountsCache(health: health), broker: broker,
                logger: Logger(label: "bench"))
            create = { drafts in _ = try await service.create(drafts) }
            stop = {
                broker.shutdown()
                await drain.value
                await client.shutdown()
            }
        }
        let run = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let (batch, users, freshUsers) = (batch, users, freshUsers)
        let load = ClosedLoop(concurrency: concurrency, duration: duration)
        let cpuBefore = ProcessStats.cpuSeconds([getpid()])
        let seconds = try await load.run { number in
            let drafts = try (0..<batch).map { item in
                try NotificationDraft(
                    user: freshUsers ? "b\(run)-\(number)-\(item)" : "w\(run)-\(number % users)", id: nil,
                    type: "bench", title: "bt:\(run):\(number):\(item)", body: nil, data: [:],
                    tags: [], ttlSeconds: nil)
            }
            try await create(drafts)
        }
        let cpu = ProcessStats.cpuSeconds([getpid()]) - cpuBefore
        await stop()
        let calls = load.completed.value
        try common.emit([
            "scenario": .text("writes"), "layer": .text(layer.rawValue), "concurrency": .number(Double(concurrency)),
            "items_per_request": .number(Double(batch)), "requests_ok": .number(Double(calls)),
            "requests_per_second": .number(Double(calls) / seconds),
            "items_per_second": .number(Double(calls * batch) / seconds),
            "latency_ms": .latency(load.latencies.summary()), "server_cpu_seconds": .number(cpu),
        ])
    }
}
