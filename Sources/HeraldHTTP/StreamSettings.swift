import HTTPTypes
import HeraldCore

/// What every stream of a server works with, shared by the stream route and the fast path: with a
/// caller's user, position and credentials it makes a stream's ``StreamOpening``.
struct StreamSettings: Sendable {
    let service: HeraldService
    let hub: StreamHub
    let metrics: HeraldMetrics
    /// Interval of `: ping` comments.
    let heartbeatMilliseconds: Int64
    /// Live events held while a stream cannot write before it catches up from the log instead.
    let bufferCapacity: Int

    /// The route template metrics use.
    static let route = "/v1/users/{user}/stream"

    /// The head of a stream's answer: `text/event-stream`, not cached, not buffered by a proxy.
    static let headers: HTTPFields = {
        var headers: HTTPFields = [.contentType: SSEFormat.contentType, .cacheControl: "no-cache"]
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        return headers
    }()

    func opening(user: String, lastEventID: String?, expiresAt: Timestamp?) -> StreamOpening {
        StreamOpening(
            user: user, lastEventID: lastEventID, expiresAt: expiresAt, service: service, hub: hub, metrics: metrics,
            heartbeatMilliseconds: heartbeatMilliseconds, bufferCapacity: bufferCapacity)
    }
}
