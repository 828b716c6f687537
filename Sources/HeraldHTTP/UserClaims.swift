import Foundation
import JWTKit

/// The claims of a user token: `sub` (the user id) and `exp` (required); `nbf` is checked when a
/// token carries it (Herald's own tokens do not), with a minute's leeway for the clocks of the
/// backends that sign tokens themselves. `iat`, when present, says when it was issued: a user's
/// revocation refuses the tokens issued before it, and those without one (``TokenRevocations``).
/// So an `iat` more than the same minute ahead is refused too: such a token would outlive every
/// revocation issued before that time, and one in milliseconds (JavaScript's `Date.now()`) every
/// revocation there will ever be.
struct UserClaims: JWTPayload {
    var sub: SubjectClaim
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?
    var iat: IssuedAtClaim?

    /// How far the clock of a backend that signs tokens may be ahead of the server's.
    static let clockLeewaySeconds: Double = 60

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        let latest = Date().addingTimeInterval(Self.clockLeewaySeconds)
        try nbf?.verifyNotBefore(currentDate: latest)
        if let iat, iat.value >= latest {
            throw JWTError.claimVerificationFailure(failedClaim: iat, reason: "issued in the future")
        }
    }
}
