public import Hummingbird

/// Answers every request with Herald's router; a stream request in a short-lived task of its own.
///
/// A Swift task keeps the allocator slabs of its deepest call until it ends, and Hummingbird
/// answers every request of a connection in the connection's one task. Routing, middleware,
/// authentication and the stream route's frames would stay allocated for as long as an SSE stream
/// is open (measured: ~11 KB per idle stream); in their own task they are freed as soon as the
/// response head is ready, and the connection's task waits with only its own few frames.
public struct HeraldResponder: HTTPResponder {
    public typealias Context = HeraldRequestContext
    let router: RouterResponder<HeraldRequestContext>

    public func respond(to request: Request, context: Context) async throws -> Response {
        guard request.method == .get, request.uri.path.hasSuffix("/stream") else {
            return try await router.respond(to: request, context: context)
        }
        let router = self.router
        return try await Task { try await router.respond(to: request, context: context) }.value
    }
}
