import Foundation
import JWTKit

/// The claims of a user token: `sub` (the user id) and `exp` (required); `nbf` is checked when a
/// token carries it (Herald's own tokens do not), with a minute's leeway for the clocks of the
/// backends that sign tokens themselves. `iat`, when present, says when it was issued: a user's
/// revocation refuses the tokens issued before it, and those without one (``TokenRevocations``).
struct UserClaims: JWTPayload {
    var sub: SubjectClaim
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?
    var iat: IssuedAtClaim?

    static let notBeforeLeewaySeconds: Double = 60

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try nbf?.verifyNotBefore(currentDate: Date().addingTimeInterval(Self.notBeforeLeewaySeconds))
    }
}
