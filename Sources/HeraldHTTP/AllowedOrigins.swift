/// The page origins `--cors-origin` lists: exact origins such as `https://app.example.com`, or `*`
/// for any. ``OriginCORSMiddleware`` answers these with CORS headers, and ``CrossSiteWriteCheck``
/// lets their pages change notifications with the `herald_token` cookie.
struct AllowedOrigins: Sendable {
    private let origins: Set<String>
    private let allowsEveryOrigin: Bool

    init(_ origins: [String]) {
        self.origins = Set(origins)
        allowsEveryOrigin = origins.contains("*")
    }

    /// Whether `origin` (an `Origin` header's value) is listed, or the list is `*`.
    func allows(_ origin: String) -> Bool { allowsEveryOrigin || origins.contains(origin) }
}
