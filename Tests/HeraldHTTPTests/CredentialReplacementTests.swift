import Foundation
import HTTPTypes
import HeraldCore
import Hummingbird
import NIOCore
import Testing

@testable import HeraldHTTP

/// Credentials replaced while the server runs (`SIGHUP` with credential files): the new ones are
/// in force from the next request, the old ones refused, even a token verified and remembered
/// before; a replacement with a short secret changes nothing.
struct CredentialReplacementTests {
    static let oldSecret = "the-old-secret-0123456789abcdef-0123"
    static let newSecret = "the-new-secret-0123456789abcdef-0123"

    func principal(_ auth: Authenticator, _ credential: String) async -> Principal? {
        let head = HTTPRequest(
            method: .get, scheme: nil, authority: "t", path: "/v1/users/u1/counts",
            headerFields: [.authorization: "Bearer \(credential)"])
        return try? await auth.principal(for: Request(head: head, body: RequestBody(buffer: ByteBuffer())))
    }

    func isUser(_ principal: Principal?, _ user: String) -> Bool {
        guard case .user(let id, _, _, _) = principal else { return false }
        return id == user
    }

    @Test func replacedCredentialsAreInForceAtOnce() async throws {
        let auth = try await Authenticator(apiKeys: ["old-key"], tokenSecret: Self.oldSecret)
        let oldToken = try await auth.mintToken(user: "u1", ttlSeconds: 600).token
        #expect(isUser(await principal(auth, oldToken), "u1"))  // verified, and remembered
        #expect(auth.knownPrincipal(for: oldToken[...]) != nil)
        let oldKey = try #require(await principal(auth, "old-key")?.credential)
        let oldSecret = try #require(await principal(auth, oldToken)?.credential)
        #expect(auth.credentialsInForce == [oldKey, oldSecret])

        // The credentials in force are returned, for the hub to end the streams of the others.
        let inForce = try await auth.replaceCredentials(
            apiKeys: ["new-key"], tokenSecret: Self.newSecret, previousTokenSecrets: [Self.oldSecret])
        #expect(inForce == auth.credentialsInForce && inForce.count == 3)
        #expect(!inForce.contains(oldKey) && inForce.contains(oldSecret))
        #expect(await principal(auth, "old-key") == nil)
        #expect(await principal(auth, "new-key")?.isBackend == true)
        #expect(auth.knownPrincipal(for: oldToken[...]) == nil)  // forgotten, verified again:
        #expect(isUser(await principal(auth, oldToken), "u1"))  // a previous secret still signs it
        #expect(await principal(auth, oldToken)?.credential == oldSecret)  // the same secret, the same identity
        let newToken = try await auth.mintToken(user: "u2", ttlSeconds: 600).token
        #expect(isUser(await principal(auth, newToken), "u2"))
        let newSecret = try #require(await principal(auth, newToken)?.credential)
        #expect(newSecret != oldSecret && inForce.contains(newSecret))
        #expect(try #require(await principal(auth, "new-key")?.credential) != oldKey)

        let dropped = try await auth.replaceCredentials(
            apiKeys: ["new-key"], tokenSecret: Self.newSecret, previousTokenSecrets: [])
        #expect(dropped.count == 2 && !dropped.contains(oldSecret) && dropped.contains(newSecret))
        #expect(await principal(auth, oldToken) == nil)
        #expect(isUser(await principal(auth, newToken), "u2"))

        await #expect(throws: HeraldError.self) {
            try await auth.replaceCredentials(apiKeys: ["other-key"], tokenSecret: "short", previousTokenSecrets: [])
        }
        #expect(await principal(auth, "new-key")?.isBackend == true)
        #expect(await principal(auth, "other-key") == nil)
        #expect(isUser(await principal(auth, newToken), "u2"))
    }

    /// A token whose check began before the secrets changed is not remembered after it.
    @Test func aVerificationBegunBeforeAChangeIsNotRemembered() {
        let tokens = VerifiedTokens()
        let begun = tokens.generation
        tokens.forgetAll()
        tokens.remember(
            "t",
            as: .user(
                id: "u1", expiresAt: Timestamp.now().adding(seconds: 60), secret: .tokenSecret("s"), issuedAt: nil),
            now: .now(), generation: begun)
        #expect(tokens.count == 0)
        tokens.remember(
            "t",
            as: .user(
                id: "u1", expiresAt: Timestamp.now().adding(seconds: 60), secret: .tokenSecret("s"), issuedAt: nil),
            now: .now(),
            generation: tokens.generation)
        #expect(tokens.count == 1)
    }
}
