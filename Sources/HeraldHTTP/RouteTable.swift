import HTTPTypes
import Hummingbird
import Synchronization

/// The served path templates (`/v1/users/{user}/counts`) and their methods, taken from the router
/// once every route is registered, so a known path asked with another method answers 405 with
/// `Allow` rather than 404.
final class RouteTable: Sendable {
    private struct Route {
        var segments: [RouterPath.Element]
        var methods: Set<HTTPRequest.Method>
    }

    private let routes = Mutex<[Route]>([])

    /// Records that `method` is served at `template` (GET implies HEAD, as Hummingbird answers it).
    func add(_ method: HTTPRequest.Method, _ template: RouterPath) {
        let segments = template.components
        var methods: Set<HTTPRequest.Method> = [method]
        if method == .get { methods.insert(.head) }
        routes.withLock { routes in
            if let index = routes.firstIndex(where: { $0.segments == segments }) {
                routes[index].methods.formUnion(methods)
            } else {
                routes.append(Route(segments: segments, methods: methods))
            }
        }
    }

    /// The methods served at `path` by the most specific templates it matches (most literal
    /// segments, as the router prefers literals: `…/read-all` over `…/{id}`); empty when none match.
    func methods(for path: String) -> Set<HTTPRequest.Method> {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return routes.withLock { routes in
            var best = -1
            var allowed: Set<HTTPRequest.Method> = []
            for route in routes where route.segments.count == segments.count {
                var literals = 0
                // The router's own element matching: a literal equals the segment, a capture takes any.
                let matches = zip(route.segments, segments).allSatisfy { template, segment in
                    guard template ~= segment else { return false }
                    if template == segment { literals += 1 }
                    return true
                }
                guard matches, literals >= best else { continue }
                if literals > best {
                    best = literals
                    allowed = []
                }
                allowed.formUnion(route.methods)
            }
            return allowed
        }
    }
}
