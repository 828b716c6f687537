import NIOPosix

/// A pooled, thread-safe memcached client over libmemcached (binary protocol, ketama hashing).
///
/// Every libmemcached call blocks, so each operation runs on the client's own `NIOThreadPool`
/// (one thread per pooled connection) and is awaited; no blocking call ever runs on an event
/// loop or Swift's cooperative pool. Besides that pool the client keeps one serial worker: a
/// thread with a connection of its own, for work that runs one session at a time (see
/// ``withSerialSession(_:completion:)``). Call ``shutdown()`` when done.
///
/// ```swift
/// let client = try MemcachedClient(configuration: .init(servers: [.unixSocket(path: "/tmp/mc.sock")]))
/// try await client.set("greeting", value: Array("hello".utf8), expiration: .seconds(60))
/// let item = try await client.get("greeting")
/// try await client.shutdown()
/// ```
public final class MemcachedClient: Sendable {
    /// The configuration the client was created with.
    public let configuration: MemcachedConfiguration
    private let pool: MemcachedConnectionPool
    private let threadPool: NIOThreadPool
    /// The serial worker's one connection and one thread.
    private let serialPool: MemcachedConnectionPool
    private let serialThread: NIOThreadPool

    /// Creates a client and starts its worker threads. Connections are opened lazily.
    public init(configuration: MemcachedConfiguration) throws(MemcachedError) {
        self.configuration = configuration
        // One count of lost connections for both pools: a restart found on one is the other's too.
        let losses = ConnectionLosses()
        self.pool = try MemcachedConnectionPool(configuration: configuration, losses: losses)
        var serial = configuration
        serial.connections = 1
        self.serialPool = try MemcachedConnectionPool(configuration: serial, losses: losses)
        self.threadPool = NIOThreadPool(numberOfThreads: max(1, configuration.connections))
        self.serialThread = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        serialThread.start()
    }

    /// Stops the worker threads. Later calls fail with ``MemcachedError/Code/shutDown``.
    public func shutdown() async {
        try? await threadPool.shutdownGracefully()
        try? await serialThread.shutdownGracefully()
    }

    private func run<T: Sendable>(
        _ body: @escaping @Sendable (MemcachedConnection) throws(MemcachedError) -> T
    ) async throws(MemcachedError) -> T {
        let pool = self.pool
        do {
            return try await threadPool.runIfActive {
                try pool.withConnection(body)
            }
        } catch let error as MemcachedError {
            throw error
        } catch {
            throw MemcachedError(code: .shutDown, message: "memcached client is shut down")
        }
    }

    /// Runs `body` on a worker thread with one connection, so a sequence of operations costs one
    /// thread hop instead of one per operation. `body` must not keep the session.
    public func withSession<T: Sendable>(
        _ body: @escaping @Sendable (MemcachedSession) throws(MemcachedError) -> T
    ) async throws(MemcachedError) -> T {
        try await run { connection throws(MemcachedError) in try body(MemcachedSession(connection: connection)) }
    }

    /// Runs `body` on a worker thread with one connection and hands its result to `completion` on
    /// that thread, without Swift concurrency: for callers on an event loop, which must not block and
    /// should not hop through a task. `completion` must be brief (hand off; never block). When the
    /// client is shut down, `completion` gets ``MemcachedError/Code/shutDown`` and `body` never runs.
    public func withSession<T>(
        _ body: @escaping @Sendable (MemcachedSession) throws(MemcachedError) -> T,
        completion: @escaping @Sendable (Result<T, MemcachedError>) -> Void
    ) {
        Self.submit(body, completion: completion, to: threadPool, with: pool)
    }

    /// Like ``withSession(_:completion:)``, but always on the client's serial worker: one thread
    /// with one connection of its own, which runs the sessions given to it one after another in the
    /// order they were given.
    ///
    /// For a caller that never has more than one session out at a time, such as a queue drained
    /// job by job. Its sessions then find the same thread and connection each time, never wait for
    /// a pooled connection, and never make the pooled calls wait for one. (Counts reads per second
    /// measured level with taking turns over a pool of four once the A/B ran in both orders; see
    /// `bench/HISTORY.md`.)
    public func withSerialSession<T>(
        _ body: @escaping @Sendable (MemcachedSession) throws(MemcachedError) -> T,
        completion: @escaping @Sendable (Result<T, MemcachedError>) -> Void
    ) {
        Self.submit(body, completion: completion, to: serialThread, with: serialPool)
    }

    /// Runs `body` now, on the calling thread, with the serial worker's connection (waiting for
    /// it while the worker still holds it): for a caller whose sessions are otherwise given to
    /// ``withSerialSession(_:completion:)`` one at a time, and which already waits on a thread that
    /// may block, never an event loop or a thread of Swift's concurrency pool. Saves waking the
    /// worker.
    public func withSerialSessionOnThisThread<T>(
        _ body: (MemcachedSession) throws(MemcachedError) -> T
    ) throws(MemcachedError) -> T {
        try Self.session(from: serialPool, body)
    }

    /// Runs `body` on the calling thread with a session over a connection from `pool`.
    private static func session<T>(
        from pool: MemcachedConnectionPool, _ body: (MemcachedSession) throws(MemcachedError) -> T
    ) throws(MemcachedError) -> T {
        try pool.withConnection { connection throws(MemcachedError) in
            try body(MemcachedSession(connection: connection))
        }
    }

    private static func submit<T>(
        _ body: @escaping @Sendable (MemcachedSession) throws(MemcachedError) -> T,
        completion: @escaping @Sendable (Result<T, MemcachedError>) -> Void,
        to threadPool: NIOThreadPool, with pool: MemcachedConnectionPool
    ) {
        threadPool.submit { state in
            guard case .active = state else {
                completion(.failure(MemcachedError(code: .shutDown, message: "memcached client is shut down")))
                return
            }
            do throws(MemcachedError) {
                completion(.success(try session(from: pool, body)))
            } catch {
                completion(.failure(error))
            }
        }
    }

    /// Reads one item; nil when it does not exist.
    public func get(_ key: String) async throws(MemcachedError) -> MemcachedItem? {
        try await run { connection throws(MemcachedError) in try connection.getMultiple([key])[key] }
    }

    /// Reads several items in one round trip per server. Missing keys are absent from the result.
    public func getMultiple(_ keys: [String]) async throws(MemcachedError) -> [String: MemcachedItem] {
        try await run { connection throws(MemcachedError) in try connection.getMultiple(keys) }
    }

    /// Stores a value unconditionally.
    public func set(
        _ key: String, value: [UInt8], flags: UInt32 = 0, expiration: MemcachedExpiration = .never
    ) async throws(MemcachedError) {
        _ = try await run { connection throws(MemcachedError) in
            try connection.store(.set, key: key, value: value, flags: flags, expiration: expiration)
        }
    }

    /// Stores a value only if the key does not exist. Returns false when it already existed.
    @discardableResult
    public func add(
        _ key: String, value: [UInt8], flags: UInt32 = 0, expiration: MemcachedExpiration = .never
    ) async throws(MemcachedError) -> Bool {
        try await run { connection throws(MemcachedError) in
            try connection.store(.add, key: key, value: value, flags: flags, expiration: expiration)
        }
    }

    /// Stores a value only if the key exists. Returns false when it did not exist.
    @discardableResult
    public func replace(
        _ key: String, value: [UInt8], flags: UInt32 = 0, expiration: MemcachedExpiration = .never
    ) async throws(MemcachedError) -> Bool {
        try await run { connection throws(MemcachedError) in
            try connection.store(.replace, key: key, value: value, flags: flags, expiration: expiration)
        }
    }

    /// Stores a value only if the item is unchanged since `cas` was read (see ``MemcachedItem/cas``).
    public func compareAndSwap(
        _ key: String, value: [UInt8], cas: UInt64, flags: UInt32 = 0, expiration: MemcachedExpiration = .never
    ) async throws(MemcachedError) -> MemcachedCASOutcome {
        try await run { connection throws(MemcachedError) in
            try connection.compareAndSwap(key: key, value: value, cas: cas, flags: flags, expiration: expiration)
        }
    }

    /// Deletes an item. Returns false when it did not exist.
    @discardableResult
    public func delete(_ key: String) async throws(MemcachedError) -> Bool {
        try await run { connection throws(MemcachedError) in try connection.delete(key) }
    }

    /// Sets a new expiration on an item. Returns false when it did not exist.
    @discardableResult
    public func touch(_ key: String, expiration: MemcachedExpiration) async throws(MemcachedError) -> Bool {
        try await run { connection throws(MemcachedError) in try connection.touch(key, expiration: expiration) }
    }

    /// Atomically adds `delta` to a decimal counter. Returns the new value, or nil when the key is missing.
    /// Throws ``MemcachedError/Code/nonNumericValue`` when the item is not a number.
    public func increment(_ key: String, by delta: UInt32 = 1) async throws(MemcachedError) -> UInt64? {
        try await run { connection throws(MemcachedError) in try connection.adjust(key, by: delta, increment: true) }
    }

    /// Atomically subtracts `delta` from a decimal counter, stopping at 0. Returns the new value, or nil
    /// when the key is missing.
    public func decrement(_ key: String, by delta: UInt32 = 1) async throws(MemcachedError) -> UInt64? {
        try await run { connection throws(MemcachedError) in try connection.adjust(key, by: delta, increment: false) }
    }

    /// Atomically adds `delta`; when the key is missing, stores `initial` instead (the delta is not applied).
    public func increment(
        _ key: String, by delta: UInt64, initial: UInt64, expiration: MemcachedExpiration = .never
    ) async throws(MemcachedError) -> UInt64 {
        try await run { connection throws(MemcachedError) in
            try connection.adjust(key, by: delta, initial: initial, expiration: expiration, increment: true)
        }
    }

    /// Atomically subtracts `delta` (stopping at 0); when the key is missing, stores `initial` instead.
    public func decrement(
        _ key: String, by delta: UInt64, initial: UInt64, expiration: MemcachedExpiration = .never
    ) async throws(MemcachedError) -> UInt64 {
        try await run { connection throws(MemcachedError) in
            try connection.adjust(key, by: delta, initial: initial, expiration: expiration, increment: false)
        }
    }

    /// Asks every server for its stats; throws when any server does not answer.
    public func ping() async throws(MemcachedError) {
        try await run { connection throws(MemcachedError) in try connection.ping() }
    }

    /// Every server's `stats settings` (how it was started); throws when any server does not answer.
    public func settings() async throws(MemcachedError) -> [MemcachedServerSettings] {
        try await run { connection throws(MemcachedError) in try connection.settings() }
    }
}
