import HeraldCore

/// `{"user": …, "token": …, "expires_at": …}`: the demo page's credentials.
struct DemoSession: Encodable {
    var user: String
    var token: String
    var expiresAt: Timestamp
    enum CodingKeys: String, CodingKey {
        case user
        case token
        case expiresAt = "expires_at"
    }
}
