import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Random 64-bit words from the system generator, drawn 512 bytes at a time.
///
/// glibc's `arc4random_buf` (2.36) makes a `getrandom` system call for every request, however small,
/// and every new notification id needs 128 random bits: ~3% of the store's CPU for batched creates.
/// The words only have to be unpredictable enough for ids to stay unique, as they are; holding some
/// in memory changes nothing about that.
final class RandomWordPool: Sendable {
    /// The process's pool.
    static let shared = RandomWordPool()

    private struct State {
        var words = [UInt64](repeating: 0, count: 64)
        /// Index of the next unused word; `words.count` when all are used.
        var next = 64
    }

    private let state = Mutex(State())

    /// Two words never handed out before.
    func pair() -> (UInt64, UInt64) {
        state.withLock { state in
            if state.next + 2 > state.words.count {
                state.words.withUnsafeMutableBytes { arc4random_buf($0.baseAddress!, $0.count) }
                state.next = 0
            }
            defer { state.next += 2 }
            return (state.words[state.next], state.words[state.next + 1])
        }
    }
}
