public import HeraldCore

/// Who is calling.
public enum Principal: Sendable, Hashable {
    /// A backend with an API key: may act on every user.
    case backend
    /// A user token: may act only on its own user, until `expiresAt`.
    case user(id: String, expiresAt: Timestamp)

    /// Throws `forbidden` unless the principal may act on `user`.
    public func authorize(user: String) throws(HeraldError) {
        switch self {
        case .backend: return
        case .user(let id, _) where id == user: return
        case .user: throw HeraldError(.forbidden, "this token may not act on another user")
        }
    }

    /// Throws `forbidden` unless the principal is a backend.
    public func requireBackend() throws(HeraldError) {
        guard case .backend = self else { throw HeraldError(.forbidden, "this endpoint needs an API key") }
    }

    /// When the credentials stop being valid (nil: never).
    public var expiresAt: Timestamp? {
        if case .user(_, let expiresAt) = self { return expiresAt }
        return nil
    }
}
