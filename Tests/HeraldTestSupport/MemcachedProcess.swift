import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real memcached server started by a test on a private unix socket, so tests never share
/// state or clash on ports. Supports the failure modes tests need: stop (SIGSTOP), resume,
/// kill, and restart empty. Uses posix_spawn/waitpid directly (Foundation's `Process` can hang
/// in `waitUntilExit` off the main thread on Linux).
public final class MemcachedProcess: @unchecked Sendable {
    /// The unix socket path the server listens on.
    public let socketPath: String
    private let directory: URL
    private let lock = NSLock()
    private var pid: pid_t?

    /// Extra command-line options, after the defaults (so a later `-m` wins).
    private let options: [String]

    /// Starts memcached and waits until its socket accepts connections.
    /// - Parameter options: extra command-line options, such as `["-M", "-m", "2"]` for a small
    ///   server that answers "out of memory" instead of evicting.
    public init(options: [String] = []) throws {
        self.options = options
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("herald-mc-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        socketPath = directory.appendingPathComponent("mc.sock").path
        try start()
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The `memcached` binary.
    public static var executable: String {
        for candidate in ["/usr/bin/memcached", "/usr/local/bin/memcached"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return "/usr/bin/memcached"
    }

    /// Starts (or restarts, empty) the server.
    public func start() throws {
        lock.lock()
        defer { lock.unlock() }
        unlink(socketPath)
        // `-o no_lru_maintainer` as the README recommends for Herald's memcached (see Operations).
        let arguments =
            [Self.executable, "-s", socketPath, "-u", "root", "-m", "64", "-t", "2", "-o", "no_lru_maintainer"]
            + options
        var cArguments = arguments.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var child: pid_t = 0
        let rc = posix_spawn(&child, Self.executable, &actions, nil, &cArguments, environ)
        guard rc == 0 else { throw MemcachedProcessError(message: "posix_spawn memcached failed: \(rc)") }
        pid = child
        for _ in 0..<300 {
            if Self.accepts(socketPath) { return }
            usleep(10_000)
        }
        throw MemcachedProcessError(message: "memcached did not listen on \(socketPath)")
    }

    /// Freezes the server (SIGSTOP): connections stay open but nothing answers. Returns once every
    /// thread of the server has stopped: `kill` only queues the signal, and on a loaded machine a
    /// worker thread could otherwise still answer a request sent right after this call.
    public func pause() {
        send(SIGSTOP)
        guard let pid = lock.withLock({ pid }) else { return }
        let deadline = Date().addingTimeInterval(2)
        while !Self.allThreadsStopped(pid), Date() < deadline { usleep(1_000) }
    }

    /// Whether every thread of `pid` is in the stopped state (`T` in `/proc/<pid>/task/*/stat`).
    private static func allThreadsStopped(_ pid: pid_t) -> Bool {
        let tasks = "/proc/\(pid)/task"
        guard let threads = try? FileManager.default.contentsOfDirectory(atPath: tasks), !threads.isEmpty else {
            return false
        }
        return threads.allSatisfy { thread in
            guard let stat = try? String(contentsOfFile: "\(tasks)/\(thread)/stat", encoding: .utf8),
                let afterName = stat.range(of: ") ", options: .backwards)
            else { return false }
            return stat[afterName.upperBound...].first == "T"
        }
    }

    /// Resumes a paused server (SIGCONT).
    public func resume() { send(SIGCONT) }

    /// Kills the server and waits for it to exit.
    public func kill() {
        lock.lock()
        defer { lock.unlock() }
        guard let pid else { return }
        Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        self.pid = nil
        unlink(socketPath)
    }

    /// Kills the server and starts a fresh, empty one on the same socket.
    public func restart() throws {
        kill()
        try start()
    }

    private func send(_ signal: Int32) {
        lock.lock()
        defer { lock.unlock() }
        if let pid { Glibc.kill(pid, signal) }
    }

    /// How many seconds the server's clock is behind this machine's, from its `time` stat (nil when
    /// it does not answer). memcached's clock ticks once a second on its main thread; on a loaded
    /// machine the ticks come late, so the clock lags and then catches up, and an item set with a
    /// relative TTL while it lags dies that much early.
    public func clockLagSeconds() -> Int? {
        guard let serverTime = stats()?["time"].flatMap({ Int($0) }) else { return nil }
        return Int(time(nil)) - serverTime
    }

    /// The server's general statistics (`stats`: `time`, `total_connections`, …), read over a
    /// connection of their own; nil when it does not answer.
    public func stats() -> [String: String]? {
        guard let fd = Self.connected(socketPath) else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let request = Array("stats\r\n".utf8)
        guard write(fd, request, request.count) == request.count else { return nil }
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !reply.suffix(5).elementsEqual("END\r\n".utf8) {
            let count = read(fd, &chunk, chunk.count)
            guard count > 0 else { return nil }
            reply += chunk[0..<count]
        }
        var stats: [String: String] = [:]
        for line in String(decoding: reply, as: UTF8.self).split(separator: "\r\n") {
            let fields = line.split(separator: " ")
            if fields.count == 3, fields[0] == "STAT" { stats[String(fields[1])] = String(fields[2]) }
        }
        return stats
    }

    private static func accepts(_ path: String) -> Bool {
        guard let fd = connected(path) else { return false }
        close(fd)
        return true
    }

    /// A socket connected to the unix socket at `path`, or nil.
    private static func connected(_ path: String) -> Int32? {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            return nil
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
            buffer[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            close(fd)
            return nil
        }
        return fd
    }
}
