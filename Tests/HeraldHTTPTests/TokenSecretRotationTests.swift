import Foundation
import HTTPTypes
import HeraldCore
import Hummingbird
import JWTKit
import NIOCore
import Testing

@testable import HeraldHTTP

/// `--previous-token-secret`: after the secret changes, tokens signed with the one before keep
/// working until they expire, and everything minted is signed with the new one.
struct TokenSecretRotationTests {
    static let previous = "previous-secret-0123456789abcdef-0123"
    static let other = "some-other-secret-0123456789abcdef-01"

    func request(_ token: String) -> Request {
        let head = HTTPRequest(
            method: .get, scheme: nil, authority: "t", path: "/v1/users/u1/counts",
            headerFields: [.authorization: "Bearer \(token)"])
        return Request(head: head, body: RequestBody(buffer: ByteBuffer()))
    }

    func user(_ auth: Authenticator, _ token: String) async -> String? {
        guard case .user(let id, _, _, _) = try? await auth.principal(for: request(token)) else { return nil }
        return id
    }

    @Test func tokensOfAPreviousSecretAreAcceptedUntilTheyExpire() async throws {
        let before = try await Authenticator(apiKeys: [], tokenSecret: Self.previous)
        let stranger = try await Authenticator(apiKeys: [], tokenSecret: Self.other)
        let after = try await Authenticator(
            apiKeys: [], tokenSecret: HTTPHarness.secret, previousTokenSecrets: [Self.previous])

        #expect(await user(after, try await before.mintToken(user: "u1", ttlSeconds: 60).token) == "u1")
        #expect(await user(after, try await after.mintToken(user: "u2", ttlSeconds: 60).token) == "u2")
        #expect(await user(after, try await stranger.mintToken(user: "u3", ttlSeconds: 60).token) == nil)
        // Minted tokens are signed with the current secret, not a previous one.
        #expect(await user(before, try await after.mintToken(user: "u4", ttlSeconds: 60).token) == nil)

        struct Claims: JWTPayload {
            var sub: SubjectClaim
            var exp: ExpirationClaim
            func verify(using algorithm: some JWTAlgorithm) async throws {}
        }
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: Self.previous), digestAlgorithm: .sha256)
        let expired = try await keys.sign(
            Claims(sub: SubjectClaim(value: "u5"), exp: ExpirationClaim(value: Date().addingTimeInterval(-5))))
        #expect(await user(after, expired) == nil)
        let valid = try await keys.sign(
            Claims(sub: SubjectClaim(value: "u5"), exp: ExpirationClaim(value: Date().addingTimeInterval(60))))
        #expect(await user(after, valid) == "u5")
    }

    @Test func aPreviousSecretMustBeAsLongAsASecret() async throws {
        await #expect(throws: HeraldError.self) {
            _ = try await Authenticator(
                apiKeys: [], tokenSecret: HTTPHarness.secret, previousTokenSecrets: ["short-old-secret"])
        }
    }
}
