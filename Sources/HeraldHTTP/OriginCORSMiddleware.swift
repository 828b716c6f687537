import HTTPTypes
import HeraldCore
public import Hummingbird

/// CORS for a configured list of origins: requests from a listed origin get Hummingbird's CORS
/// handling (preflight answers and `Access-Control-*` headers, credentials allowed so the
/// `herald_token` cookie works, `X-Request-Id` allowed and exposed); with `*`, requests from any
/// other origin get the same without credentials (`Access-Control-Allow-Origin: *`: tokens in
/// `Authorization` or `access_token` work, the cookie does not; ``AllowedOrigins``). Origins not
/// allowed get no CORS headers, so browsers refuse them, and their preflights `403 forbidden`.
public struct OriginCORSMiddleware<Context: RequestContext>: RouterMiddleware {
    private let origins: AllowedOrigins
    private let listed: CORSMiddleware<Context>
    private let any: CORSMiddleware<Context>

    /// - Parameter origins: exact origins such as `https://app.example.com`, or `*`.
    public init(origins: [String]) {
        self.origins = AllowedOrigins(origins)
        listed = Self.cors(allowOrigin: .originBased, allowCredentials: true)
        any = Self.cors(allowOrigin: .all, allowCredentials: false)
    }

    private static func cors(
        allowOrigin: CORSMiddleware<Context>.AllowOriginExtended, allowCredentials: Bool
    ) -> CORSMiddleware<Context> {
        CORSMiddleware(
            allowOrigin: allowOrigin,
            allowHeaders: [.accept, .authorization, .contentType, .lastEventID, .cacheControl, .requestID],
            allowMethods: [.get, .post, .delete, .head, .options],
            allowCredentials: allowCredentials,
            maxAge: .seconds(600))
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let origin = request.headers[.origin], origins.allows(origin) else {
            // A preflight from another origin: refused as such (it was `405 method_not_allowed`,
            // which sent whoever read it after the method), still without CORS headers.
            if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
                throw HeraldError(
                    .forbidden, "this page's origin may not call the API (see the server's --cors-origin)")
            }
            return try await next(request, context)
        }
        let cors = origins.lists(origin) ? listed : any
        var response = try await cors.handle(request, context: context, next: next)
        // A page may read an answer's id (to quote it in a report). Hummingbird's middleware puts
        // `Access-Control-Expose-Headers` on preflight answers only, where browsers ignore it.
        if request.method != .options { response.headers[.accessControlExposeHeaders] = "X-Request-Id" }
        return response
    }
}

extension HTTPField.Name {
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
}
