#if canImport(Glibc)
import Glibc
#endif

/// Monotonic nanoseconds, comparable across threads of this process.
enum BenchClock {
    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
