import HTTPTypes
import HeraldCore
import Hummingbird

/// Answers 405 `method_not_allowed` (with `Allow`) when the path exists but not for this method.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    let table: RouteTable

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let allowed = table.methods(for: request.uri.path)
        guard !allowed.isEmpty, !allowed.contains(request.method) else { return try await next(request, context) }
        var response = try HeraldError(.methodNotAllowed, "method not allowed").response(
            from: request, context: context)
        response.headers[.allow] = allowed.map(\.rawValue).sorted().joined(separator: ", ")
        return response
    }
}
