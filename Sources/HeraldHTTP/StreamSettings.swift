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
    /// The most streams one user may hold open at once; nil: no limit.
    let maxStreamsPerUser: Int?

    /// The route template metrics use.
    static let route = "/v1/users/{user}/stream"

    /// The head of a stream's answer: `text/event-stream`, not cached, not buffered by a proxy.
    static let headers: HTTPFields = {
        var headers: HTTPFields = [.contentType: SSEFormat.contentType, .cacheControl: "no-cache"]
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        return headers
    }()

    /// The opening of a stream `principal` asked for, holding one of the user's stream places; nil
    /// when the user already holds the most streams allowed (answer ``tooManyStreams``).
    func opening(user: String, lastEventID: String?, principal: Principal) -> StreamOpening? {
        guard let claim = hub.claim(user: user, limit: maxStreamsPerUser) else { return nil }
        return StreamOpening(
            claim: claim, lastEventID: lastEventID, principal: principal, service: service, hub: hub, metrics: metrics,
            heartbeatMilliseconds: heartbeatMilliseconds,
            bufferCapacity: bufferCapacity)
    }

    /// Whether a stream of `user` would be refused now (a `HEAD` of the stream asks).
    func isFull(user: String) -> Bool {
        hub.isFull(user: user, limit: maxStreamsPerUser)
    }

    /// The answer to a stream asked beyond the limit: `429 too_many_streams`.
    var tooManyStreams: HeraldError {
        let limit = maxStreamsPerUser ?? 0
        return HeraldError(
            .tooManyStreams,
            "this user already has \(limit) open \(limit == 1 ? "stream" : "streams"), the most the server allows: close one first"
        )
    }
}
