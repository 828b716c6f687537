import HeraldCore

/// The answer to `DELETE /v1/users/{user}/tokens`: `{"user", "revoked_before", "streams_ended"}`;
/// the user's tokens issued before `revoked_before` are refused from now on.
struct TokenRevocationAnswer: Encodable {
    var user: String
    var revokedBefore: Timestamp
    /// Open streams of the user's revoked tokens ended.
    var streamsEnded: Int

    enum CodingKeys: String, CodingKey {
        case user
        case revokedBefore = "revoked_before"
        case streamsEnded = "streams_ended"
    }
}
