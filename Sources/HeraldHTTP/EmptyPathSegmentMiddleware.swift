import HeraldCore
import Hummingbird

/// Answers 404 `not_found` for an API path with an empty segment (`//`, or a `/` at its end).
/// Hummingbird's router skips empty segments, so `DELETE /v1/users/u1/notifications/` (a client
/// whose notification id came out empty) reached the route that deletes every notification of
/// the user, and `GET /v1/users/u1/counts/` the counts. No API path has an empty segment, and an
/// empty id is no id: nothing is routed by a path that names nothing. (The event loop's fast path
/// keeps empty segments, so it never took these.)
struct EmptyPathSegmentMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        if path.hasPrefix("/v1/"), path.hasSuffix("/") || path.contains("//") {
            throw HeraldError(.notFound, "no such resource: the path has an empty segment (an empty id?)")
        }
        return try await next(request, context)
    }
}
