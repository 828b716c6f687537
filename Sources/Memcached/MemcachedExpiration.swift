#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// When a stored item expires.
public enum MemcachedExpiration: Sendable, Hashable {
    /// Never (until evicted).
    case never
    /// After this many seconds. Values over 30 days are sent as an absolute time, as the protocol requires.
    case seconds(Int)

    /// The protocol's `exptime` field.
    var protocolValue: time_t {
        switch self {
        case .never:
            return 0
        case .seconds(let seconds):
            let clamped = max(1, seconds)
            if clamped <= 60 * 60 * 24 * 30 { return time_t(clamped) }
            return time(nil) + time_t(clamped)
        }
    }
}
