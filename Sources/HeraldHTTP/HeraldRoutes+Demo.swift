import HTTPTypes
import HeraldCore
import Hummingbird

extension HeraldRoutes {
    /// How long the demo page's user token lives; the page takes a new one when it expires.
    static let demoTokenTTLSeconds: Int64 = 12 * 3600

    /// What the demo page's files are answered with besides their type: the page holds a token
    /// and acts on clicks (mark all read, delete all), so it runs only its own files
    /// (`default-src 'self'`: no injected script or style could run), no other site may frame it
    /// to steer those clicks (`frame-ancestors 'none'`), no file is read as another type than
    /// its own, and no address it visits is told the page's.
    static let demoPageSecurityHeaders: HTTPFields = [
        .contentSecurityPolicy:
            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
        .xContentTypeOptions: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
    ]

    /// The demo inbox: `/` and its files, `/demo/session` (the demo user's token, nothing more) and
    /// `POST /demo/notifications` (a test notification for the token's own user).
    func addDemoRoutes(
        to router: Router<HeraldRequestContext>, user demoUser: String, assets: DemoAssets
    ) {
        for (path, asset) in assets.assets {
            router.get(RouterPath(path)) { _, _ in
                var headers: HTTPFields = [.contentType: asset.contentType, .cacheControl: "no-cache"]
                headers.append(contentsOf: Self.demoPageSecurityHeaders)
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.bytes))
            }
        }
        router.get("/demo/session") { _, _ in
            let minted = try await auth.mintToken(user: demoUser, ttlSeconds: Self.demoTokenTTLSeconds)
            var response = try JSONIO.response(
                DemoSession(user: demoUser, token: minted.token, expiresAt: minted.expiresAt))
            response.headers[.cacheControl] = "no-store"
            return response
        }
        router.post("/demo/notifications") { request, _ in
            let principal = try await auth.principal(for: request)
            let input = try await JSONIO.decode(NotificationInput.self, from: request, limit: JSONIO.singleBodyLimit)
            guard case .user(let id, _, _, _) = principal, id == input.draft.user else {
                throw HeraldError(.forbidden, "the demo sends only to the demo user's own inbox")
            }
            return try await created(service.create(input.draft))
        }
    }
}
