import HTTPTypes
import Metrics
import Synchronization

/// `herald_http_requests_total` and `herald_http_request_duration_seconds`, one series per route
/// template, method and status, looked up once and then reused (creating a metric handle asks the
/// metrics backend's registry every time). Methods outside the standard set are labelled `other`,
/// so clients cannot make the number of series grow without bound.
final class HTTPRequestMetrics: Sendable {
    static let shared = HTTPRequestMetrics()

    private struct Key: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    /// The two metrics of one route, method and status, for a caller that answers the same kind
    /// of request again and again to keep and record into without a lookup.
    struct Series: Sendable {
        fileprivate let requests: Counter
        fileprivate let duration: Timer

        /// Counts one answered request and records how long it took.
        func record(nanoseconds: Int64) {
            requests.increment()
            duration.recordNanoseconds(nanoseconds)
        }
    }

    private static let standardMethods: Set<HTTPRequest.Method> = [
        .get, .head, .post, .put, .delete, .patch, .options,
    ]

    private let series = Mutex<[Key: Series]>([:])

    /// Counts one answered request and records how long it took.
    func record(route: String, method: HTTPRequest.Method, status: Int, nanoseconds: Int64) {
        series(route: route, method: method, status: status).record(nanoseconds: nanoseconds)
    }

    /// The route of a request NIO's parser rejected (or an HTTP/1.1 one without `Host`), answered
    /// `400 invalid_request` before any route saw it.
    static let unparsedRoute = "unparsed"
    /// The route of a request cut off because it did not arrive in full in time, answered `408`.
    static let incompleteRoute = "incomplete"

    /// Counts an answer that no route gave (``unparsedRoute``, ``incompleteRoute``): its method is
    /// `other` (the head may not have been read) and it has no duration.
    func countRouteless(_ route: String, status: Int) {
        let dimensions = [("route", route), ("method", "other"), ("status", String(status))]
        Counter(label: "herald_http_requests_total", dimensions: dimensions).increment()
    }

    /// The series of `route`, `method` and `status`, made on first use.
    func series(route: String, method: HTTPRequest.Method, status: Int) -> Series {
        let key = Key(
            route: route, method: Self.standardMethods.contains(method) ? method.rawValue : "other", status: status)
        let found = series.withLock { series in
            if let found = series[key] { return found }
            let dimensions = [("route", key.route), ("method", key.method), ("status", String(status))]
            let made = Series(
                requests: Counter(label: "herald_http_requests_total", dimensions: dimensions),
                duration: Timer(label: "herald_http_request_duration_seconds", dimensions: dimensions))
            series[key] = made
            return made
        }
        return found
    }
}
