import JWTKit

/// The claims of a user token: `sub` (the user id) and `exp` (required).
struct UserClaims: JWTPayload {
    var sub: SubjectClaim
    var exp: ExpirationClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}
