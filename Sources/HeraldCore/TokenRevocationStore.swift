/// Persists, for each user who revoked their tokens, the second through which their tokens were
/// issued before the revocation: such tokens are refused from then on, across restarts.
public protocol TokenRevocationStore: Sendable {
    /// Every user's revocation: the last second of issue (`iat`, seconds since 1970) refused.
    func tokenRevocations() async throws -> [String: Int64]

    /// Records that `user`'s tokens issued through the second `through` are refused (a later
    /// revocation already recorded stays); returns the second now recorded.
    func revokeTokens(user: String, through: Int64) async throws -> Int64
}
