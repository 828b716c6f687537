#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's open files against its limit: every connection, SSE streams included, holds one,
/// and at the limit new connections wait unaccepted without a word in the log (NIO backs off its
/// accepts quietly), so the server raises its limit at start and shows both in `/metrics`; the load
/// generator raises its own to hold its streams.
public enum OpenFiles {
    /// The soft limit on open files (`RLIMIT_NOFILE`).
    public static var limit: UInt64 {
        var limit = rlimit()
        getrlimit(resourceNumber, &limit)
        return UInt64(limit.rlim_cur)
    }

    /// Raises the soft limit on open files to the hard one, as far as `ceiling`; returns the soft
    /// limit before and after (equal when it was already there or could not be raised).
    @discardableResult
    public static func raiseLimit(ceiling: UInt64 = 1 << 20) -> (before: UInt64, after: UInt64) {
        var limit = rlimit()
        guard getrlimit(resourceNumber, &limit) == 0 else { return (0, 0) }
        let before = UInt64(limit.rlim_cur)
        let target = min(UInt64(limit.rlim_max), ceiling)
        guard target > before else { return (before, before) }
        limit.rlim_cur = rlim_t(target)
        guard setrlimit(resourceNumber, &limit) == 0 else { return (before, before) }
        return (before, target)
    }

    /// How many files the process has open (the entries of `/proc/self/fd`); nil where there is
    /// no such directory.
    public static func count() -> Int? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var entries = 0
        while let entry = readdir(directory) {
            if entry.pointee.d_name.0 != CChar(UInt8(ascii: ".")) { entries += 1 }
        }
        return entries - 1  // the directory's own descriptor
    }

    #if canImport(Glibc)
    private static let resourceNumber = Int32(RLIMIT_NOFILE.rawValue)
    #else
    private static let resourceNumber = RLIMIT_NOFILE
    #endif
}
