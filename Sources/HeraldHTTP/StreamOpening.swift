import HeraldCore

/// What the stream route hands to its connection's ``SSEChannelHandler``: whose stream, where it
/// resumes, until when and by which credential it is admitted, and the server parts the stream works with.
struct StreamOpening: Sendable {
    /// The user's stream place this stream holds (given back when it ends).
    let claim: StreamClaim
    var user: String { claim.user }
    /// `Last-Event-ID` as sent (header or query); nil for a fresh stream.
    let lastEventID: String?
    /// Who opened the stream: it ends when their token expires, when the API key or token secret
    /// that admitted them is dropped, or when their tokens are revoked.
    let principal: Principal
    let service: HeraldService
    let hub: StreamHub
    let metrics: HeraldMetrics
    /// Interval of `: ping` comments.
    let heartbeatMilliseconds: Int64
    /// Live events held while the stream cannot write before it catches up from the log instead.
    let bufferCapacity: Int

    /// How long data sent on the stream may go unacknowledged, or wait for a client that takes
    /// nothing (a receive window shut), before the kernel drops the connection (`TCP_USER_TIMEOUT`):
    /// four heartbeat intervals, a minute by default as nginx's `send_timeout`, so a vanished client
    /// is noticed within five. At most `Int32.max` ms (24 days), the most the option takes;
    /// heartbeats are at most ten years, so the product cannot overflow.
    var unacknowledgedLimitMilliseconds: Int {
        Int(Int32(clamping: heartbeatMilliseconds * 4))
    }
}
