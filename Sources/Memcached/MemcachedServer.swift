/// The address of one memcached server.
public enum MemcachedServer: Hashable, Sendable, CustomStringConvertible {
    /// A TCP server.
    case tcp(host: String, port: Int)
    /// A server listening on a unix domain socket.
    case unixSocket(path: String)

    /// Parses `host:port`, `[v6]:port`, `host` (port 11211) or an absolute socket path.
    public init(parsing text: String) throws(MemcachedError) {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else {
            throw MemcachedError(code: .invalidConfiguration, message: "empty memcached server address")
        }
        if trimmed.hasPrefix("/") {
            self = .unixSocket(path: trimmed)
            return
        }
        var host = trimmed
        var port = 11211
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]") else {
                throw MemcachedError(code: .invalidConfiguration, message: "bad IPv6 address '\(trimmed)'")
            }
            host = String(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
            let rest = trimmed[trimmed.index(after: close)...]
            if rest.hasPrefix(":") {
                port = try Self.parsePort(String(rest.dropFirst()), in: trimmed)
            } else if !rest.isEmpty {
                throw MemcachedError(code: .invalidConfiguration, message: "bad IPv6 address '\(trimmed)'")
            }
        } else if let colon = trimmed.lastIndex(of: ":") {
            host = String(trimmed[..<colon])
            // `::1` or `fe80::1:11211` would read as the host `:` or `fe80::1`, a port taken from
            // the address: IPv6 goes in brackets, as in URLs.
            guard !host.contains(":") else {
                throw MemcachedError(
                    code: .invalidConfiguration,
                    message: "an IPv6 address goes in brackets, as in [::1]:11211: '\(trimmed)'")
            }
            port = try Self.parsePort(String(trimmed[trimmed.index(after: colon)...]), in: trimmed)
        }
        guard !host.isEmpty else {
            throw MemcachedError(code: .invalidConfiguration, message: "missing host in '\(trimmed)'")
        }
        self = .tcp(host: host, port: port)
    }

    /// Parses a comma-separated list of server addresses.
    public static func parseList(_ text: String) throws(MemcachedError) -> [MemcachedServer] {
        var servers: [MemcachedServer] = []
        for part in text.split(separator: ",") {
            servers.append(try MemcachedServer(parsing: String(part)))
        }
        guard !servers.isEmpty else {
            throw MemcachedError(code: .noServers, message: "no memcached server given")
        }
        return servers
    }

    /// The servers `servers` lists more than once, each once, in the order their second listings come. libmemcached
    /// takes such a list as it is, and a server listed twice works, but the second listing is most
    /// likely another server's address mistyped.
    public static func repeated(in servers: [MemcachedServer]) -> [MemcachedServer] {
        var seen: Set<MemcachedServer> = []
        var repeated: [MemcachedServer] = []
        for server in servers where !seen.insert(server).inserted && !repeated.contains(server) {
            repeated.append(server)
        }
        return repeated
    }

    private static func parsePort(_ text: String, in address: String) throws(MemcachedError) -> Int {
        guard let port = Int(text), (1...65535).contains(port) else {
            throw MemcachedError(code: .invalidConfiguration, message: "bad port in '\(address)'")
        }
        return port
    }

    public var description: String {
        switch self {
        case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unixSocket(let path): path
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}
