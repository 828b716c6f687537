import HTTPTypes
import HeraldCore
import Hummingbird

/// Refuses changes a cross-site page makes with the `herald_token` cookie (cross-site request
/// forgery).
///
/// A browser attaches the cookie to requests other sites' pages start whenever its `SameSite`
/// allows: a form that posts itself, or `fetch` in `no-cors` mode, needs no CORS preflight for a
/// bodiless `POST`, so without this check any page could mark a signed-in user's notifications
/// read, seen, archived or deleted (the page cannot read the answer, but the change is made). A
/// request that changes something (any method but `GET`, `HEAD`, `OPTIONS`) and is authenticated
/// by the cookie alone is accepted when the browser says it is same-origin (`Sec-Fetch-Site`), or
/// its `Origin` is listed with `--cors-origin` (itself: `*` lends no page the cookie), or names the host the
/// request was sent to; a request without `Origin` or `Sec-Fetch-Site` (not a current browser's)
/// is accepted too. Credentials in `Authorization` or `access_token` are never sent by a browser
/// on its own, so they are not checked.
struct CrossSiteWriteCheck: Sendable {
    /// The `--cors-origin` list.
    private let origins: AllowedOrigins

    init(origins: [String]) {
        self.origins = AllowedOrigins(origins)
    }

    /// The error refusing `request`, authenticated by the cookie, or nil when it may go on.
    func refusal(of request: Request) -> HeraldError? {
        switch request.method {
        case .get, .head, .options: return nil
        default: break
        }
        if let site = request.headers[.secFetchSite], site.utf8.equalsIgnoringASCIICase("same-origin") { return nil }
        guard let origin = request.headers[.origin] else {
            let crossSite = request.headers[.secFetchSite].map { $0.utf8.equalsIgnoringASCIICase("cross-site") }
            return crossSite == true ? Self.refused : nil
        }
        let isOwnHost = request.head.authority.map { Self.authority(of: origin) == $0[...] } ?? false
        return origins.lists(origin) || isOwnHost ? nil : Self.refused
    }

    /// The `host[:port]` of an origin (`https://app.example:8443` → `app.example:8443`); nil for
    /// `null` and anything else without a scheme.
    static func authority(of origin: String) -> Substring? {
        guard let separator = origin.range(of: "://") else { return nil }
        let authority = origin[separator.upperBound...]
        return authority.isEmpty ? nil : authority
    }

    static let refused = HeraldError(
        .forbidden,
        "a change authenticated by the herald_token cookie must come from this server's origin or one "
            + "listed with --cors-origin; send Authorization: Bearer instead")
}

extension HTTPField.Name {
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!
}
