/// One server's answer to `stats settings`: how it was started (memory limit, threads, LRU
/// options), as the names and values memcached reports.
public struct MemcachedServerSettings: Sendable, Hashable {
    /// The server that answered.
    public var server: MemcachedServer
    /// Every setting the server reported, by name (`maxbytes`, `num_threads`, `lru_maintainer_thread`, …).
    public var values: [String: String]

    /// Creates a server's settings.
    public init(server: MemcachedServer, values: [String: String]) {
        self.server = server
        self.values = values
    }

    /// Whether the server runs its LRU maintainer thread (memcached's default since 1.5), which
    /// wakes about every millisecond while items change; nil when the server does not say.
    public var runsLRUMaintainer: Bool? {
        values["lru_maintainer_thread"].map { $0 == "yes" }
    }

    /// Whether the server evicts old items when its memory is full (memcached's default), or
    /// refuses to store new ones (`-M`, which it reports as `evictions off`); nil when it does not
    /// say.
    public var evictsWhenFull: Bool? {
        values["evictions"].map { $0 == "on" }
    }
}
