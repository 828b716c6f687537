public import Foundation
public import HeraldCache
public import HeraldCore
public import HeraldSQLite
public import Memcached

/// A complete service on a real memcached (own unix socket) and a real SQLite file.
public final class ServiceHarness: Sendable {
    public let memcached: MemcachedProcess
    public let directory: URL
    public let store: SQLiteStore
    public let client: MemcachedClient
    public let health: CacheHealth
    public let cache: MemcachedCountsCache
    public let notificationCache: MemcachedNotificationCache
    public let broker: InProcessBroker
    public let service: HeraldService
    private let probe: Task<Void, Never>

    public var databasePath: String { directory.appendingPathComponent("herald.sqlite").path }

    /// Starts memcached and opens a fresh database, or reuses `memcached` and `directory`.
    public init(
        memcached: MemcachedProcess? = nil, directory: URL? = nil,
        configuration: HeraldConfiguration = .init(expirySweepIntervalMilliseconds: 200), keyPrefix: String = "t"
    ) async throws {
        self.memcached = try memcached ?? MemcachedProcess()
        self.directory = try directory ?? makeTemporaryDirectory("herald-test")
        store = try SQLiteStore(path: self.directory.appendingPathComponent("herald.sqlite").path)
        client = try MemcachedClient(
            configuration: .init(
                servers: [.unixSocket(path: self.memcached.socketPath)], ioTimeoutMilliseconds: 200,
                retryTimeoutSeconds: 1))
        health = try await CacheHealth(client: client, generations: store, keyPrefix: keyPrefix)
        cache = MemcachedCountsCache(health: health)
        notificationCache = MemcachedNotificationCache(health: health)
        broker = InProcessBroker()
        service = HeraldService(
            store: store, cache: cache, notificationCache: notificationCache, broker: broker,
            configuration: configuration)
        let health = self.health
        probe = Task { await health.runProbe(interval: .milliseconds(100)) }
    }

    /// Stops background work and the client (the memcached process lives as long as the harness).
    public func shutdown() async {
        probe.cancel()
        broker.shutdown()
        await client.shutdown()
    }

    /// A draft with sensible defaults.
    public static func draft(
        user: String = "u1", id: String? = nil, type: String = "test", title: String? = "hello",
        tags: [String] = [], ttl: Int64? = nil
    ) throws -> NotificationDraft {
        try NotificationDraft(
            user: user, id: id, type: type, title: title, body: nil, data: [:], tags: tags,
            ttlSeconds: ttl)
    }

    /// Reads `user`'s counts through the service until the cache holds them. Under load a read
    /// can time out, mark the cache down and be answered from the store, leaving nothing cached
    /// (and, once the probe brings the cache back, under a new generation); a test that then
    /// breaks memcached needs the counts cached first, or its writes rightly skip memcached.
    public func readUntilCached(user: String) async -> Bool {
        await Self.eventually {
            _ = try? await service.counts(user: user)
            return await cachedCounts(user: user) != nil
        }
    }

    /// `user`'s counts as the cache alone answers them (``HeraldService/cachedCounts(user:completion:)``),
    /// nil when it holds no proven-fresh value.
    public func cachedCounts(user: String) async -> Counts? {
        await withCheckedContinuation { continuation in
            service.cachedCounts(user: user) { continuation.resume(returning: $0) }
        }
    }

    /// Polls `condition` every 50 ms for up to `seconds`. The wait ends as soon as the condition
    /// holds, so the deadline is generous: when every suite runs at once on two cores, progress
    /// that takes 0.2 s alone has taken more than 5 s (a CI run failed on that).
    public static func eventually(seconds: Double = 20, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }
}
