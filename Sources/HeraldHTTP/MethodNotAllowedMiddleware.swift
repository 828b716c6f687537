import HTTPTypes
import HeraldCore
import Hummingbird

/// Answers 405 `method_not_allowed` (with `Allow`) when the path exists but not for this method.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    let table: RouteTable

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            // Hummingbird's router answers every unrouted request 404, whatever its method; only
            // such a request pays for the lookup.
            let allowed = table.methods(for: request.uri.path)
            guard !allowed.isEmpty, !allowed.contains(request.method) else { throw error }
            var response = try HeraldError(.methodNotAllowed, "method not allowed").response(
                from: request, context: context)
            response.headers[.allow] = allowed.map(\.rawValue).sorted().joined(separator: ", ")
            return response
        }
    }
}
