import HTTPTypes
public import Hummingbird
import Logging
import Metrics

/// The one middleware around every route: errors become the API's JSON envelope (see
/// ``ErrorResponse``); then per request `herald_http_requests_total` and
/// `herald_http_request_duration_seconds` (until the response head is ready; for a stream, until it
/// opened) by route template, method and status; the request id (the client's own `X-Request-Id`
/// when ``IncomingRequestID`` accepts it; also in every log line of the request, as
/// `hb.request.id`) in the `X-Request-Id` response header; `Connection: close` when the request
/// ends its connection; and one `debug` log line.
///
/// One middleware rather than two because each layer's frames stay allocated in the connection's
/// task for as long as an SSE stream is open (~3 KB per idle stream measured).
public struct RequestMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        var context = context
        if let incoming = IncomingRequestID.accepted(request.headers[.requestID]) {
            context.logger[metadataKey: "hb.request.id"] = .string(incoming)
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = try ErrorResponse.response(for: error, request: request, context: context)
        }
        response.headers[.requestID] = context.id
        // The request ends its connection (``ConnectionCloseHandler`` made every such request say
        // exactly this): the answer says so too, as RFC 9112 §9.6 asks.
        if request.headers[.connection] == "close" { response.headers[.connection] = "close" }
        let route = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? "unmatched"
        let status = response.status.code
        let method = request.method.rawValue
        do {
            let nanoseconds = start.nanosecondsElapsed
            HTTPRequestMetrics.shared.record(
                route: route, method: request.method, status: Int(status), nanoseconds: nanoseconds)
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
