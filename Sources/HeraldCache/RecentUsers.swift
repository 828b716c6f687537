import Synchronization

/// The users whose cached counts were last served, filled or changed, for ``CountsAudit`` to
/// sample: a ring of fixed size, so noting them costs one lock and a few stores however busy the
/// server is.
final class RecentUsers: Sendable {
    private struct Ring {
        var users: [String?]
        var next = 0
    }

    private let ring: Mutex<Ring>
    /// How many users of one call are noted: a transaction of many users' changes leaves room
    /// for those of the transactions before it.
    private let perCall: Int

    init(capacity: Int = 64, perCall: Int = 8) {
        precondition(capacity > 0 && perCall > 0)
        ring = Mutex(Ring(users: Array(repeating: nil, count: capacity)))
        self.perCall = perCall
    }

    /// Notes up to `perCall` of `users`, overwriting the oldest.
    func note(_ users: some Sequence<String>) {
        ring.withLock { ring in
            for user in users.prefix(perCall) {
                ring.users[ring.next] = user
                ring.next = (ring.next + 1) % ring.users.count
            }
        }
    }

    /// Every user noted since the last take, each once, newest first; empties the ring.
    func take() -> [String] {
        let noted = ring.withLock { ring in
            defer {
                ring.users = Array(repeating: nil, count: ring.users.count)
                ring.next = 0
            }
            return Array(ring.users[..<ring.next].reversed()) + Array(ring.users[ring.next...].reversed())
        }
        var seen = Set<String>()
        return noted.compactMap { $0 }.filter { seen.insert($0).inserted }
    }
}
