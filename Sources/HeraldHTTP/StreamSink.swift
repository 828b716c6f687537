import HeraldCore
import NIOCore
import Synchronization

/// The hub's handle on one open stream. Everything it is told runs on the stream's event loop, in
/// the order it was told, so live events reach the socket without a task switch.
final class StreamSink: Sendable {
    let user: String
    /// Interval of `: ping` comments.
    let heartbeatMilliseconds: Int64
    /// When the stream's credentials expire (nil: never).
    let expiresAt: Timestamp?
    private let lastHeartbeat: Atomic<Int64>
    private let eventLoop: any EventLoop
    private let connection: NIOLoopBound<StreamConnection>

    init(
        user: String, heartbeatMilliseconds: Int64, expiresAt: Timestamp?,
        connection: NIOLoopBound<StreamConnection>, eventLoop: any EventLoop
    ) {
        self.user = user
        self.heartbeatMilliseconds = heartbeatMilliseconds
        self.expiresAt = expiresAt
        self.lastHeartbeat = Atomic(Timestamp.now().milliseconds)
        self.connection = connection
        self.eventLoop = eventLoop
    }

    /// Called by the hub for each live event of the user.
    func offer(_ event: UserEvent) {
        let connection = self.connection
        eventLoop.execute { connection.value.deliver(event) }
    }

    /// Called by the hub's ticker: ends an expired stream, or sends a heartbeat when one is due.
    func tick(now: Timestamp) {
        if let expiresAt, now >= expiresAt {
            close()
        } else if now.milliseconds - lastHeartbeat.load(ordering: .relaxed) >= heartbeatMilliseconds {
            lastHeartbeat.store(now.milliseconds, ordering: .relaxed)
            let connection = self.connection
            eventLoop.execute { connection.value.heartbeat() }
        }
    }

    /// Ends the stream cleanly (the last chunk, then the connection closes).
    func close() {
        let connection = self.connection
        eventLoop.execute { connection.value.end() }
    }
}
