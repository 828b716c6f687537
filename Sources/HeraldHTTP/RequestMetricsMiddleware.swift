import HTTPTypes
public import Hummingbird
import Logging
import Metrics

/// Per request: `herald_http_requests_total` and `herald_http_request_duration_seconds` (until the
/// response head is ready; for a stream, until it opened) by route template, method and status; the request id (also in every log line of the request, as
/// `hb.request.id`) in the `X-Request-Id` response header; and one `debug` log line.
public struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[.requestID] = context.id
        let route = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? "unmatched"
        let status = response.status.code
        let method = request.method.rawValue
        do {
            let elapsed = start.duration(to: .now).components
            let nanoseconds = elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000
            let dimensions = [("route", route), ("method", method), ("status", String(status))]
            Counter(label: "herald_http_requests_total", dimensions: dimensions).increment()
            Timer(label: "herald_http_request_duration_seconds", dimensions: dimensions)
                .recordNanoseconds(nanoseconds)
            context.logger.debug(
                "request",
                metadata: [
                    "method": "\(method)", "path": "\(request.uri.path)", "status": "\(status)",
                    "duration_ms": "\(Double(nanoseconds) / 1_000_000)",
                ])
        }
        return response
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")!
}
