public import HeraldCore

/// Who is calling, and which credential admitted them.
public enum Principal: Sendable, Hashable {
    /// A backend with an API key (`key` says which): may act on every user.
    case backend(key: CredentialID)
    /// A user token signed with the token secret `secret` and issued in the second `issuedAt`
    /// (since 1970; nil: the token does not say): may act only on its own user, until
    /// `expiresAt`, or until the user's tokens are revoked.
    case user(id: String, expiresAt: Timestamp, secret: CredentialID, issuedAt: Int64?)

    /// Throws `forbidden` unless the principal may act on `user`.
    public func authorize(user: String) throws(HeraldError) {
        switch self {
        case .backend: return
        case .user(let id, _, _, _) where id == user: return
        case .user: throw HeraldError(.forbidden, "this token may not act on another user")
        }
    }

    /// Throws `forbidden` unless the principal is a backend.
    public func requireBackend() throws(HeraldError) {
        guard isBackend else { throw HeraldError(.forbidden, "this endpoint needs an API key") }
    }

    /// Whether the caller is a backend (an API key).
    public var isBackend: Bool {
        if case .backend = self { return true }
        return false
    }

    /// When the credentials stop being valid (nil: never).
    public var expiresAt: Timestamp? {
        if case .user(_, let expiresAt, _, _) = self { return expiresAt }
        return nil
    }

    /// The API key or token secret that admitted the caller.
    public var credential: CredentialID {
        switch self {
        case .backend(let key): return key
        case .user(_, _, let secret, _): return secret
        }
    }
}
