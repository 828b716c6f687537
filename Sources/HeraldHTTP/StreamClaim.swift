import Synchronization

/// One of a user's stream places, taken from the ``StreamHub`` before a stream's response head is
/// written, so that a user at the limit is answered `429` rather than given a stream. The place is
/// given back by ``release()`` when the stream ends, or, for a stream that never began (its
/// connection closed before the head went out), when the claim is freed.
final class StreamClaim: Sendable {
    let user: String
    private let hub: StreamHub
    private let released = Atomic(false)

    init(user: String, hub: StreamHub) {
        self.user = user
        self.hub = hub
    }

    /// Gives the place back; only the first call counts.
    func release() {
        guard !released.exchange(true, ordering: .relaxed) else { return }
        hub.release(user: user)
    }

    deinit { release() }
}
