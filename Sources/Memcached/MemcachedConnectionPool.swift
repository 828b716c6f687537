import CLibMemcached

#if canImport(Glibc)
import Glibc
#endif

/// Owns libmemcached's master handle and the libmemcachedutil connection pool built from it.
///
/// `@unchecked Sendable` is sound because the only shared mutable state is the pool, which
/// libmemcachedutil guards with its own mutex, and the master handle, which is configured once
/// in `init` and then touched only by `deinit`. A connection is lent to exactly one thread at
/// a time through ``withConnection(_:)`` and never escapes the closure.
///
/// A server that restarts (or drops its connections) leaves every pooled connection's socket dead
/// at once, and each would find out only on its own next use, failing once in its turn. So a
/// connection lost on one marks them all: ``losses`` counts such failures, each connection keeps the
/// count it last saw in its libmemcached user data, and one lent after a later loss is first closed
/// (`memcached_quit`), to connect afresh on its next request. With several servers its connections
/// to the others reconnect too: a connect each, and only after a failure. The count may be shared
/// with the client's other pool (``ConnectionLosses``).
final class MemcachedConnectionPool: @unchecked Sendable {
    private let master: UnsafeMutablePointer<memcached_st>
    private let pool: OpaquePointer
    private let popTimeoutSeconds: Int
    /// Connections lost so far (see the type's documentation).
    private let losses: ConnectionLosses

    init(configuration: MemcachedConfiguration, losses: ConnectionLosses = ConnectionLosses()) throws(MemcachedError) {
        self.losses = losses
        guard !configuration.servers.isEmpty else {
            throw MemcachedError(code: .noServers, message: "no memcached server configured")
        }
        guard let master = memcached_create(nil) else {
            throw MemcachedError(code: .other, message: "memcached_create failed")
        }
        do {
            try Self.configure(master, configuration)
        } catch {
            memcached_free(master)
            throw error
        }
        let size = UInt32(max(1, configuration.connections))
        guard let pool = memcached_pool_create(master, 1, size) else {
            memcached_free(master)
            throw MemcachedError(code: .other, message: "memcached_pool_create failed")
        }
        self.master = master
        self.pool = pool
        self.popTimeoutSeconds = max(1, configuration.connectTimeoutMilliseconds / 1000 + 1)
    }

    deinit {
        if let handle = memcached_pool_destroy(pool) {
            memcached_free(handle)
        } else {
            memcached_free(master)
        }
    }

    /// Lends a connection to `body` on the calling thread (which must be allowed to block).
    func withConnection<T>(
        _ body: (MemcachedConnection) throws(MemcachedError) -> T
    ) throws(MemcachedError) -> T {
        var rc = MEMCACHED_SUCCESS
        var wait = timespec(tv_sec: popTimeoutSeconds, tv_nsec: 0)
        guard let handle = memcached_pool_fetch(pool, &wait, &rc) else {
            throw MemcachedError(
                code: .poolExhausted, returnCode: Int32(rc.rawValue), message: "no free memcached connection")
        }
        defer { _ = memcached_pool_release(pool, handle) }
        // The user data holds the count the handle last saw (a new handle's nil reads as 0); the
        // count only grows, so one that differs is older.
        let lossesSeen = losses.load()
        if UInt(bitPattern: memcached_get_user_data(handle)) != lossesSeen {
            memcached_quit(handle)
            _ = memcached_set_user_data(handle, UnsafeMutableRawPointer(bitPattern: lossesSeen))
        }
        do {
            return try body(MemcachedConnection(handle: handle))
        } catch {
            if error.isConnectionLost { losses.add() }
            throw error
        }
    }

    private static func configure(
        _ handle: UnsafeMutablePointer<memcached_st>,
        _ configuration: MemcachedConfiguration
    ) throws(MemcachedError) {
        let behaviors: [(memcached_behavior_t, UInt64)] = [
            (MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, 1),
            (MEMCACHED_BEHAVIOR_KETAMA, 1),
            (MEMCACHED_BEHAVIOR_SUPPORT_CAS, 1),
            (MEMCACHED_BEHAVIOR_TCP_NODELAY, 1),
            (MEMCACHED_BEHAVIOR_NO_BLOCK, 1),
            (MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, UInt64(max(1, configuration.connectTimeoutMilliseconds))),
            (MEMCACHED_BEHAVIOR_POLL_TIMEOUT, UInt64(max(1, configuration.ioTimeoutMilliseconds))),
            (MEMCACHED_BEHAVIOR_RCV_TIMEOUT, UInt64(max(1, configuration.ioTimeoutMilliseconds)) * 1000),
            (MEMCACHED_BEHAVIOR_SND_TIMEOUT, UInt64(max(1, configuration.ioTimeoutMilliseconds)) * 1000),
            (MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, UInt64(max(0, configuration.retryTimeoutSeconds))),
            (MEMCACHED_BEHAVIOR_SERVER_FAILURE_LIMIT, UInt64(max(1, configuration.serverFailureLimit))),
        ]
        for (behavior, value) in behaviors {
            let rc = memcached_behavior_set(handle, behavior, value)
            guard rc == MEMCACHED_SUCCESS else {
                throw MemcachedConnection.error(rc, handle, context: "behavior \(behavior.rawValue)")
            }
        }
        for server in configuration.servers {
            let rc: memcached_return_t
            switch server {
            case .tcp(let host, let port):
                rc = memcached_server_add(handle, host, in_port_t(port))
            case .unixSocket(let path):
                rc = memcached_server_add_unix_socket(handle, path)
            }
            guard rc == MEMCACHED_SUCCESS else {
                throw MemcachedError(
                    code: .invalidConfiguration,
                    returnCode: Int32(rc.rawValue),
                    message: "cannot add memcached server \(server)"
                )
            }
        }
    }
}
