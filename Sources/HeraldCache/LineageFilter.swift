import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which users' counts may have a lineage (an epoch key) in memcached under the current
/// generation, so that a committed change of a user whose counts nobody has read needs no
/// memcached round trip at all. The notification cache keeps one too, for its own epochs
/// (``MemcachedNotificationCache``), with the same reasoning.
///
/// **Why skipping is safe.** An epoch key is created only by a counts job on a read miss
/// (``CountsCacheJob``), and the job marks the user here *before* it sets the key. So while the
/// filter says no, no epoch key of the user exists under that generation, and any epoch set later
/// is set after the filter was asked. The filter is asked after the change committed, and a fill
/// reads the store only after its epoch is set: that fill sees the change. This is the check an
/// apply makes in memcached (it reads the epoch key after commit and skips the user when there is
/// none), answered in process. It holds because the generation is the filter's owner's own: each
/// ``CacheHealth`` bumps the persisted generation when created and again after an outage, so no
/// other process, nor another `CacheHealth`, sets epochs under it. (Instances that shared one
/// generation would each need every other's marks.)
///
/// **Bounded.** One bit per hash of the user id, never cleared within a generation: a collision or a
/// user whose lineage memcached evicted or expired only makes the apply ask memcached, as without
/// the filter. A newer generation starts with no bits set; an older one (a job that raced the
/// bump) is answered "maybe".
final class LineageFilter: Sendable {
    private struct State {
        var generation: Int64
        /// `calloc`ed: pages stay unmapped until a bit on them is set, so an instance whose users
        /// are few costs little of the filter's size.
        var words: UnsafeMutablePointer<UInt64>
    }

    private let state: Mutex<State>
    private let mask: Int
    private let wordCount: Int

    /// - Parameter bits: the filter's size, a power of two (2^24 bits, 2 MiB, by default: about 6%
    ///   of users without a lineage still ask memcached once a million users have one).
    init(bits: Int = 1 << 24) {
        precondition(bits >= 64 && bits & (bits - 1) == 0, "bits must be a power of two of at least 64")
        mask = bits - 1
        wordCount = bits / 64
        state = Mutex(State(generation: .min, words: Self.zeroed(bits / 64)))
    }

    deinit {
        state.withLock { free($0.words) }
    }

    private static func zeroed(_ count: Int) -> UnsafeMutablePointer<UInt64> {
        guard let memory = calloc(count, MemoryLayout<UInt64>.stride) else {
            fatalError("out of memory for the lineage filter")
        }
        return memory.bindMemory(to: UInt64.self, capacity: count)
    }

    /// Notes that `user` may get an epoch under `generation`; call before setting it.
    func mark(_ user: String, generation: Int64) {
        let bit = index(of: user)
        state.withLock { state in
            if generation > state.generation {
                state.generation = generation
                free(state.words)
                state.words = Self.zeroed(wordCount)
            }
            guard generation == state.generation else { return }
            state.words[bit >> 6] |= 1 << UInt64(bit & 63)
        }
    }

    /// Whether each user may have an epoch under its generation; false only when none was ever set.
    func mayHaveLineage(_ users: [(user: String, generation: Int64)]) -> [Bool] {
        let bits = users.map { index(of: $0.user) }
        return state.withLock { state in
            zip(users, bits).map { entry, bit in
                if entry.generation > state.generation { return false }
                if entry.generation < state.generation { return true }
                return state.words[bit >> 6] & (1 << UInt64(bit & 63)) != 0
            }
        }
    }

    private func index(of user: String) -> Int {
        user.hashValue & mask
    }
}
