import HeraldCore
import NIOCore
import Synchronization

/// The hub's handle on one open stream. Everything it is told runs on the stream's event loop, in
/// the order it was told, so live events reach the socket without a task switch.
final class StreamSink: Sendable {
    let user: String
    /// When the stream's `: ping` comments are due.
    let heartbeats: HeartbeatSchedule
    /// Who opened the stream (when their credentials expire, which credential admitted them).
    let principal: Principal
    /// The stream's event loop: everything the sink is told runs there.
    let eventLoop: any EventLoop
    /// When the next ping is due (ms since the epoch); only the hub's ticker reads and moves it.
    private let nextHeartbeat: Atomic<Int64>
    private let connection: NIOLoopBound<StreamConnection>

    init(
        user: String, heartbeatMilliseconds: Int64, principal: Principal,
        connection: NIOLoopBound<StreamConnection>, eventLoop: any EventLoop
    ) {
        self.user = user
        heartbeats = HeartbeatSchedule(
            intervalMilliseconds: heartbeatMilliseconds, tickMilliseconds: StreamHub.tickMilliseconds)
        self.principal = principal
        nextHeartbeat = Atomic(heartbeats.firstDue(openedAt: Timestamp.now().milliseconds))
        self.connection = connection
        self.eventLoop = eventLoop
    }

    /// Called by the hub for each live event of the user.
    func offer(_ event: UserEvent) {
        let connection = self.connection
        eventLoop.execute { connection.value.deliver(event) }
    }

    /// What a tick of the hub's ticker has the stream do.
    enum Chore: Sendable {
        /// Send a `: ping` comment.
        case heartbeat
        /// End the stream: its credentials expired.
        case end
    }

    /// Called by the hub's ticker: what the stream is to do now, if anything (a ping counts as
    /// sent from here on). The hub then has it done on the stream's event loop (``run(_:)``).
    func chore(now: Timestamp) -> Chore? {
        if let expiresAt = principal.expiresAt, now >= expiresAt { return .end }
        let due = nextHeartbeat.load(ordering: .relaxed)
        guard heartbeats.isDue(due, now: now.milliseconds) else { return nil }
        nextHeartbeat.store(heartbeats.nextDue(sentAt: now.milliseconds), ordering: .relaxed)
        return .heartbeat
    }

    /// Does a chore; on the stream's event loop.
    func run(_ chore: Chore) {
        eventLoop.preconditionInEventLoop()
        switch chore {
        case .heartbeat: connection.value.heartbeat()
        case .end: connection.value.end(.tokenExpired)
        }
    }

    /// Ends the stream cleanly (the last chunk, then the connection closes), for `reason`.
    func close(_ reason: StreamEnding) {
        let connection = self.connection
        eventLoop.execute { connection.value.end(reason) }
    }
}
