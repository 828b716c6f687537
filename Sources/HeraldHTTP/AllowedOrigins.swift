/// The page origins `--cors-origin` lists: exact origins such as `https://app.example.com`, or `*`
/// for any. ``OriginCORSMiddleware`` answers these with CORS headers, credentials allowed for the
/// exact ones only, and ``CrossSiteWriteCheck`` lets the pages of the exact ones change
/// notifications with the `herald_token` cookie.
///
/// `*` means what it means in CORS itself (`Access-Control-Allow-Origin: *`): any page may call the
/// API with a token it holds (`Authorization`, `access_token`), but the browser sends no cookie
/// and lets no page read an answer the cookie got. Echoing every origin with credentials allowed
/// would have let any site a signed-in user visited read their notifications with the cookie.
struct AllowedOrigins: Sendable {
    private let origins: Set<String>
    private let allowsEveryOrigin: Bool

    init(_ origins: [String]) {
        self.origins = Set(origins.filter { $0 != "*" })
        allowsEveryOrigin = origins.contains("*")
    }

    /// Whether `origin` (an `Origin` header's value) may call the API from a page: listed, or the
    /// list has `*`.
    func allows(_ origin: String) -> Bool { allowsEveryOrigin || origins.contains(origin) }

    /// Whether `origin` is listed itself, so that its pages may use credentials (the cookie).
    func lists(_ origin: String) -> Bool { origins.contains(origin) }
}
