import Foundation
import JWTKit

/// The claims of a user token: `sub` (the user id) and `exp` (required); `nbf` is checked when a
/// token carries it (Herald's own tokens do not), with a minute's leeway for the clocks of the
/// backends that sign tokens themselves.
struct UserClaims: JWTPayload {
    var sub: SubjectClaim
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?

    static let notBeforeLeewaySeconds: Double = 60

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try nbf?.verifyNotBefore(currentDate: Date().addingTimeInterval(Self.notBeforeLeewaySeconds))
    }
}
