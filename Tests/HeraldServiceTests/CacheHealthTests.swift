import HeraldCore
import HeraldSQLite
import HeraldTestSupport
import Logging
import Memcached
import Testing

@testable import HeraldCache

/// What `CacheHealth` says at start about the memcached it was given.
@Suite(.timeLimit(.minutes(1)))
struct CacheHealthTests {
    /// A memcached running its LRU maintainer (memcached's default) gets a notice naming the server
    /// and the option, and one started with `-M` (evictions off: once full, it refuses the cache's
    /// stores) a warning; one started as the README recommends gets neither.
    @Test func serverSettingsWorthChangingArePointedOut() async throws {
        let store = try SQLiteStore(path: try makeTemporaryDirectory("health").appendingPathComponent("h.sqlite").path)
        let maintainer = (Logger.Level.notice, "-o no_lru_maintainer")
        let noEvictions = (Logger.Level.warning, "memcached runs with -M")
        for (options, expected) in [
            (["-o", "lru_maintainer"], [maintainer]), (["-M"], [noEvictions]),
            (["-o", "lru_maintainer", "-M"], [noEvictions, maintainer]), ([], []),
        ] {
            let memcached = try MemcachedProcess(options: options)
            let client = try MemcachedClient(configuration: .init(servers: [.unixSocket(path: memcached.socketPath)]))
            let recorder = LogRecorder()
            let health = try await CacheHealth(client: client, generations: store, logger: recorder.logger())
            let said = recorder.logged.filter { $0.level >= .notice }
            #expect(said.count == expected.count, "options \(options)")
            for (entry, (level, text)) in zip(said, expected) {
                #expect(entry.level == level && entry.message.contains(text), "options \(options)")
                #expect(entry.metadata["server"] == memcached.socketPath)
            }
            #expect(health.status == .up)
            await client.shutdown()
        }
    }

    /// A memcached that does not answer at start: the cache starts down, and the warning names the
    /// servers tried, so a mistyped `--memcached` shows in the log.
    @Test func anUnreachableServerAtStartIsNamed() async throws {
        let store = try SQLiteStore(path: try makeTemporaryDirectory("health").appendingPathComponent("h.sqlite").path)
        let path = try makeTemporaryDirectory("health").appendingPathComponent("none.sock").path
        let client = try MemcachedClient(configuration: .init(servers: [.unixSocket(path: path)]))
        let recorder = LogRecorder()
        let health = try await CacheHealth(client: client, generations: store, logger: recorder.logger())
        #expect(health.status == .down)
        let warnings = recorder.logged.filter { $0.level == .warning && $0.message.contains("unreachable at start") }
        #expect(warnings.count == 1 && warnings.first?.metadata["servers"] == path)
        await client.shutdown()
    }

    /// A ping answered before an outage was noticed does not end the outage: memcached may have
    /// answered it just before it went away. Only a ping sent while the cache was down brings it
    /// back, under a new generation.
    @Test func onlyAPingSentWhileDownBringsTheCacheBack() async throws {
        let store = try SQLiteStore(path: try makeTemporaryDirectory("health").appendingPathComponent("h.sqlite").path)
        let memcached = try MemcachedProcess()
        let client = try MemcachedClient(configuration: .init(servers: [.unixSocket(path: memcached.socketPath)]))
        let health = try await CacheHealth(client: client, generations: store, logger: LogRecorder().logger())
        let generation = health.generation
        #expect(health.status == .up)
        // Answered, then a request fails and marks the cache down before the probe looks.
        #expect(await health.probe { health.markDown(HeraldError(.unavailable, "memcached went away")) })
        #expect(health.status == .down)
        #expect(health.generation == generation)
        #expect(await health.probe())
        #expect(health.status == .up)
        #expect(health.generation == generation + 1)
        await client.shutdown()
    }
}
