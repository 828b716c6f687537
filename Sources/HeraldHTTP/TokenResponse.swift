import HeraldCore

/// `{"token": …, "expires_at": …}`.
struct TokenResponse: Encodable {
    var token: String
    var expiresAt: Timestamp
    enum CodingKeys: String, CodingKey {
        case token
        case expiresAt = "expires_at"
    }
}
