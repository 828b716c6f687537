import HeraldCore

/// What the stream route hands to its connection's ``SSEChannelHandler``: whose stream, where it
/// resumes, until when its credentials hold, and the server parts the stream works with.
struct StreamOpening: Sendable {
    /// The user's stream place this stream holds (given back when it ends).
    let claim: StreamClaim
    var user: String { claim.user }
    /// `Last-Event-ID` as sent (header or query); nil for a fresh stream.
    let lastEventID: String?
    /// When the stream's credentials expire (nil: never).
    let expiresAt: Timestamp?
    let service: HeraldService
    let hub: StreamHub
    let metrics: HeraldMetrics
    /// Interval of `: ping` comments.
    let heartbeatMilliseconds: Int64
    /// Live events held while the stream cannot write before it catches up from the log instead.
    let bufferCapacity: Int
}
