import HTTPTypes
import HeraldCore
import Hummingbird

extension HeraldRoutes {
    /// How long the demo page's user token lives; the page takes a new one when it expires.
    static let demoTokenTTLSeconds: Int64 = 12 * 3600

    /// The demo inbox: `/` and its files, `/demo/session` (the demo user's token, nothing more) and
    /// `POST /demo/notifications` (a test notification for the token's own user).
    func addDemoRoutes(
        to router: Router<HeraldRequestContext>, user demoUser: String, assets: DemoAssets
    ) {
        for (path, asset) in assets.assets {
            router.get(RouterPath(path)) { _, _ in
                Response(
                    status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "no-cache"],
                    body: .init(byteBuffer: asset.bytes))
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
