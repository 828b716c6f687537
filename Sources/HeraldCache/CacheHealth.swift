public import HeraldCore
public import Logging
public import Memcached
import Synchronization

/// Whether memcached is in use, and the key space every key is prefixed with.
///
/// Any memcached failure, or a failed ping of ``runProbe(interval:)``, marks the cache down; from
/// then on every read and write goes to the store only. The probe brings it back once every server
/// answers, after bumping the persisted generation and drawing a new key space, so nothing cached
/// before or during the outage is ever read again.
/// Creating a `CacheHealth` does both too (start-up invalidation).
///
/// The key space is random, not the generation's number: another database over the same memcached
/// and prefix (a backup restored beside the one it was taken from, a second deployment) counts its
/// generations the same way, and under a shared number each would read the other's counts and
/// notifications. The generation still orders the key spaces within the process.
public final class CacheHealth: Sendable {
    private struct State {
        var up: Bool
        var generation: Int64
        /// `{prefix}:{space}`, where `space` is 64 random bits in hex, drawn for this generation.
        var base: String

        init(up: Bool, generation: Int64, prefix: String) {
            self.up = up
            self.generation = generation
            base = "\(prefix):\(String(UInt64.random(in: 1...UInt64.max), radix: 16))"
        }
    }

    /// The longest key prefix: the longest key, a notification entry of a 128-character user
    /// (`{prefix}:{space}:{user}:n:{epoch}:{hash}`, 198 bytes besides the prefix), then stays well
    /// within memcached's 250 bytes. A longer key would fail, and every failure marks the cache down.
    public static let maximumKeyPrefixLength = 32

    let client: MemcachedClient
    /// Which users' counts may have a lineage under this health's generations, for every counts
    /// cache over it: the generations are this instance's own (it bumps them), so it sees every
    /// epoch set under them.
    let lineages = LineageFilter()
    /// Which users may have a notification epoch (and so cached entries), likewise.
    let notificationEpochs = LineageFilter()
    private let generations: any CacheGenerationStore
    private let keyPrefix: String
    private let logger: Logger
    private let state: Mutex<State>

    /// Bumps the persisted generation and checks that memcached answers.
    public init(
        client: MemcachedClient, generations: any CacheGenerationStore, keyPrefix: String = "herald",
        logger: Logger = Logger(label: "herald.cache")
    ) async throws {
        self.client = client
        self.generations = generations
        self.keyPrefix = keyPrefix
        self.logger = logger
        let generation = try await generations.bumpCacheGeneration()
        let reachable = (try? await client.ping()) != nil
        state = Mutex(State(up: reachable, generation: generation, prefix: keyPrefix))
        if !reachable {
            logger.warning(
                "memcached unreachable at start; serving from the store",
                metadata: ["servers": "\(client.configuration.servers.map { "\($0)" }.joined(separator: ","))"])
        }
        if reachable, let settings = try? await client.settings() {
            for server in settings where server.evictsWhenFull == false {
                // Each refused store marks the cache down and starts a new key space; the keys of
                // the spaces left behind are not evicted either, so it stays full until they expire.
                logger.warning(
                    """
                    memcached runs with -M (evictions off): once its memory is full it refuses new items, and each \
                    refusal turns the cache off for a second and abandons its keys, which -M keeps until --cache-ttl \
                    ends them, so reads go to the store; start memcached without -M (README, Operations)
                    """,
                    metadata: ["server": "\(server.server)"])
            }
            for server in settings where server.runsLRUMaintainer == true {
                logger.notice(
                    """
                    memcached runs its LRU maintainer thread, which wakes about every millisecond while \
                    counts change; start memcached with -o no_lru_maintainer to save that CPU (README, Operations)
                    """,
                    metadata: ["server": "\(server.server)"])
            }
        }
    }

    /// `up` while memcached is used.
    public var status: CacheStatus { state.withLock { $0.up } ? .up : .down }

    /// The current generation: it grows with every new key space.
    public var generation: Int64 { state.withLock { $0.generation } }

    /// What every key starts with: `{prefix}:{space}`, the space drawn for the current generation.
    public var keyBase: String { state.withLock { $0.base } }

    /// The key base (`{prefix}:{space}`) and its generation while up, nil while down.
    var keySpace: (base: String, generation: Int64)? {
        state.withLock { $0.up ? ($0.base, $0.generation) : nil }
    }

    /// Stops using memcached until the probe sees it healthy again.
    func markDown(_ error: any Error) {
        let wasUp = state.withLock { state in
            defer { state.up = false }
            return state.up
        }
        if wasUp {
            CacheMetrics.errors.increment()
            logger.warning("memcached failed; serving from the store", metadata: ["error": "\(error)"])
        }
    }

    /// Pings memcached every `interval` until cancelled: an outage is noticed even while no request
    /// touches memcached (most writes need not: see ``LineageFilter``), and a down cache comes back
    /// once every server answers.
    public func runProbe(interval: Duration = .seconds(1)) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            guard await probe() else { return }
        }
    }

    /// One ping: marks the cache down when it fails, and brings a down cache back when it answers.
    /// Only a ping sent while the cache was already down brings it back: one sent before an outage
    /// was noticed may have been answered just before memcached went away (it brought the cache
    /// back for a moment after a kill, with a new generation, in a loaded test run). False when
    /// the client has shut down.
    /// - Parameter answered: runs once the ping was answered (tests mark an outage there).
    func probe(answered: () -> Void = {}) async -> Bool {
        let downBeforePing = status == .down
        do throws(MemcachedError) {
            try await client.ping()
        } catch  where error.code == .shutDown {
            return false  // the server is stopping: nothing is down
        } catch {
            markDown(error)  // counted and logged only when it was up
            return true
        }
        answered()
        guard downBeforePing, status == .down, let generation = try? await generations.bumpCacheGeneration() else {
            return true
        }
        let base = state.withLock { state in
            state = State(up: true, generation: generation, prefix: keyPrefix)
            return state.base
        }
        logger.info("memcached is back", metadata: ["generation": "\(generation)", "keys": "\(base)"])
        return true
    }
}
