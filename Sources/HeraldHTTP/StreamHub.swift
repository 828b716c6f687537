public import HeraldCore
import NIOCore
import Synchronization

/// Routes each live event to the open streams of its user.
public final class StreamHub: Sendable {
    /// One user's streams: those registered, and the places claimed (every registered stream
    /// holds one, and so does each stream whose head is still on its way out).
    private struct UserStreams {
        var sinks: [ObjectIdentifier: StreamSink] = [:]
        var claims = 0
    }

    private struct State {
        var users: [String: UserStreams] = [:]
        var closed = false
        var count = 0
        /// The credentials whose streams may register (nil: every one, until credentials are first
        /// replaced).
        var admitted: Set<CredentialID>?
        /// For each user whose tokens were revoked, the last second of issue refused.
        var revokedThrough: [String: Int64] = [:]

        /// Why `sink`'s credentials may not hold a stream now; nil when they may.
        func refusal(of sink: StreamSink) -> StreamEnding? {
            guard admitted?.contains(sink.principal.credential) ?? true else { return .credentialDropped }
            guard case .user(_, _, _, let issuedAt) = sink.principal, let through = revokedThrough[sink.user] else {
                return nil
            }
            return TokenRevocations.refuses(issuedAt: issuedAt, through: through) ? .tokensRevoked : nil
        }

        /// Drops `user`'s entry once it holds no claim and no stream.
        mutating func forgetIfGone(_ user: String) {
            if let streams = users[user], streams.claims <= 0, streams.sinks.isEmpty { users[user] = nil }
        }
    }

    private let state = Mutex(State())

    public init() {}

    /// Number of open streams.
    public var openStreams: Int { state.withLock { $0.count } }

    /// Takes one of `user`'s stream places; nil when the user already holds `limit` (nil: no
    /// limit). The claim's stream then registers under it.
    func claim(user: String, limit: Int?) -> StreamClaim? {
        let taken = state.withLock { state in
            let claims = state.users[user]?.claims ?? 0
            if let limit, claims >= limit { return false }
            state.users[user, default: UserStreams()].claims = claims + 1
            return true
        }
        return taken ? StreamClaim(user: user, hub: self) : nil
    }

    /// Whether `user` holds `limit` streams or more (nil: no limit), as ``claim(user:limit:)``
    /// would find.
    func isFull(user: String, limit: Int?) -> Bool {
        guard let limit else { return false }
        return state.withLock { ($0.users[user]?.claims ?? 0) >= limit }
    }

    /// The streams of `user`, claimed or open.
    func streams(of user: String) -> Int {
        state.withLock { $0.users[user]?.claims ?? 0 }
    }

    /// Gives one of `user`'s claimed places back (``StreamClaim/release()``, once per claim).
    func release(user: String) {
        state.withLock { state in
            guard state.users[user] != nil else { return }
            state.users[user]?.claims -= 1
            state.forgetIfGone(user)
        }
    }

    /// Registers a stream in the place its claim holds; returns why it is refused instead, when
    /// the hub is shutting down, or the credential that admitted the stream has been dropped or
    /// revoked since (nil: registered).
    func register(_ sink: StreamSink) -> StreamEnding? {
        state.withLock { state in
            if state.closed { return .shutdown }
            if let refusal = state.refusal(of: sink) { return refusal }
            state.users[sink.user, default: UserStreams()].sinks[ObjectIdentifier(sink)] = sink
            state.count += 1
            return nil
        }
    }

    func unregister(_ sink: StreamSink) {
        state.withLock { state in
            guard state.users[sink.user]?.sinks.removeValue(forKey: ObjectIdentifier(sink)) != nil else { return }
            state.count -= 1
            state.forgetIfGone(sink.user)
        }
    }

    /// Ends every open stream admitted by a credential not in `inForce` (an API key or token
    /// secret just dropped), and refuses such streams from now on; returns how many it ended.
    /// A stream admitted an instant before the credentials changed, and registered after this
    /// call, is refused at its registration, so none outlives its credential.
    @discardableResult
    public func admitOnly(_ inForce: Set<CredentialID>) -> Int {
        endRefused(.credentialDropped) { $0.admitted = inForce }
    }

    /// Ends every open stream of `user` opened with a token issued in or before the second
    /// `through` (their tokens were revoked), and refuses such streams from now on; returns how
    /// many it ended. The streams of tokens issued later, and of API keys, go on.
    @discardableResult
    public func endTokenStreams(of user: String, issuedThrough through: Int64) -> Int {
        endRefused(.tokensRevoked, of: user) { $0.revokedThrough[user] = max($0.revokedThrough[user] ?? .min, through) }
    }

    /// Changes what the hub admits (`change`), then ends the open streams, of `user` or of every
    /// user, that registration would now refuse for `reason` (``State/refusal(of:)``: one rule for
    /// both); returns how many.
    private func endRefused(
        _ reason: StreamEnding, of user: String? = nil, after change: (inout State) -> Void
    ) -> Int {
        let refused = state.withLock { state in
            change(&state)
            let sinks =
                user.map { state.users[$0].map { Array($0.sinks.values) } ?? [] }
                ?? state.users.values.flatMap(\.sinks.values)
            return sinks.filter { state.refusal(of: $0) == reason }
        }
        for sink in refused { sink.close(reason) }
        return refused.count
    }

    /// Hands an event to every stream of its user.
    public func dispatch(_ event: UserEvent) {
        let sinks = state.withLock { $0.users[event.user].map { Array($0.sinks.values) } } ?? []
        for sink in sinks { sink.offer(event) }
    }

    /// Ends every open stream and refuses new ones (graceful shutdown).
    public func closeAll() {
        let sinks = state.withLock { state in
            state.closed = true
            return state.users.values.flatMap(\.sinks.values)
        }
        for sink in sinks { sink.close(.shutdown) }
    }

    /// Hands every event `broker` publishes from now on straight to the streams of its user, on
    /// the publisher's thread (each stream then writes it on its event loop); cancel the returned
    /// listening to stop.
    public func listen(to broker: any EventBroker) -> BrokerListening {
        broker.listen { [self] event in dispatch(event) }
    }

    /// Time between two looks of the ticker at every stream (ms).
    static let tickMilliseconds: Int64 = 250

    /// The ticker that sends every stream's heartbeats and closes streams whose token expired,
    /// until the task is cancelled.
    public func runTicker() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(Self.tickMilliseconds))
            tickAll()
        }
    }

    /// One tick over every open stream: each event loop gets one job with the chores of all its
    /// streams (pings, ends), not one job per stream.
    func tickAll() {
        let sinks = state.withLock { $0.users.values.flatMap(\.sinks.values) }
        let now = Timestamp.now()
        var jobs: [ObjectIdentifier: (loop: any EventLoop, chores: [(StreamSink, StreamSink.Chore)])] = [:]
        for sink in sinks {
            guard let chore = sink.chore(now: now) else { continue }
            jobs[ObjectIdentifier(sink.eventLoop), default: (sink.eventLoop, [])].chores.append((sink, chore))
        }
        for job in jobs.values {
            let chores = job.chores
            job.loop.execute {
                for (sink, chore) in chores { sink.run(chore) }
            }
        }
    }
}
