/// How a ``MemcachedClient`` connects and behaves.
public struct MemcachedConfiguration: Sendable {
    /// The servers. With more than one, keys are spread by ketama consistent hashing.
    public var servers: [MemcachedServer]
    /// How many connections (and blocking worker threads) the client keeps.
    public var connections: Int
    /// How long to wait for a TCP connect, in milliseconds.
    public var connectTimeoutMilliseconds: Int
    /// How long to wait for a server's answer, in milliseconds. Keeps a stopped server cheap.
    public var ioTimeoutMilliseconds: Int
    /// After a failure, how long a server is left alone before it is tried again, in seconds.
    public var retryTimeoutSeconds: Int
    /// Failures in a row after which a server is marked dead until ``retryTimeoutSeconds`` pass.
    public var serverFailureLimit: Int

    /// Creates a configuration with defaults suited to a cache on the same host or LAN.
    public init(
        servers: [MemcachedServer],
        connections: Int = 4,
        connectTimeoutMilliseconds: Int = 250,
        ioTimeoutMilliseconds: Int = 250,
        retryTimeoutSeconds: Int = 1,
        serverFailureLimit: Int = 2
    ) {
        self.servers = servers
        self.connections = connections
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.ioTimeoutMilliseconds = ioTimeoutMilliseconds
        self.retryTimeoutSeconds = retryTimeoutSeconds
        self.serverFailureLimit = serverFailureLimit
    }
}
