import Foundation
import HTTPTypes
import HeraldCore
import HeraldTestSupport
import Hummingbird
import HummingbirdTesting
import JWTKit
import Testing

@testable import HeraldHTTP

/// `DELETE /v1/users/{user}/tokens`: every token of the user issued until then is refused, the
/// streams they opened end, and tokens minted after it (in the same second too) are accepted;
/// other users, API keys and their streams are untouched; the revocation outlives a restart.
@Suite(.timeLimit(.minutes(1)))
struct TokenRevocationTests {
    static let auth = ["Authorization": "Bearer \(HTTPHarness.apiKey)"]

    /// A token the backend signs itself, with `iat` when given.
    static func selfSigned(user: String, issuedAt: Date?) async throws -> String {
        struct Claims: JWTPayload {
            var sub: SubjectClaim
            var exp: ExpirationClaim
            var iat: IssuedAtClaim?
            func verify(using algorithm: some JWTAlgorithm) async throws {}
        }
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: HTTPHarness.secret), digestAlgorithm: .sha256)
        return try await keys.sign(
            Claims(
                sub: SubjectClaim(value: user), exp: ExpirationClaim(value: Date().addingTimeInterval(600)),
                iat: issuedAt.map { IssuedAtClaim(value: $0) }))
    }

    @Test(arguments: [true, false])
    func revokedTokensAreRefusedAndTheirStreamsEnd(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath)
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            let old = try await harness.token("u1")
            let oldSelfSigned = try await Self.selfSigned(user: "u1", issuedAt: Date().addingTimeInterval(-5))
            let withoutIssue = try await Self.selfSigned(user: "u1", issuedAt: nil)
            let otherUser = try await harness.token("u2")
            #expect(try await client.get("/v1/users/u1/counts", credential: old).status == .ok)  // remembered
            let byToken = try await SSEReader(port: port, path: "/v1/users/u1/stream?access_token=\(old)", headers: [:])
            let byKey = try await SSEReader(port: port, path: "/v1/users/u1/stream", headers: Self.auth)
            let otherStream = try await SSEReader(
                port: port, path: "/v1/users/u2/stream?access_token=\(otherUser)", headers: [:])
            for stream in [byToken, byKey, otherStream] { #expect(try await stream.nextEvent()?.event == "counts") }

            let endedBefore = Self.revokedStreamsEnded(harness)
            let before = Timestamp.now()
            let revoked = try await client.execute(uri: "/v1/users/u1/tokens", method: .delete, headers: .bearer())
            #expect(revoked.status == .ok)
            let body = try revoked.json()
            #expect(body["user"] as? String == "u1" && body.int("streams_ended") == 1)
            let revokedBefore = try #require(body["revoked_before"] as? String)
            #expect(revokedBefore.hasSuffix(".000Z") && revokedBefore > before.description)
            #expect(try await byToken.nextEvent() == nil)
            #expect(await ServiceHarness.eventually { harness.hub.streams(of: "u1") == 1 })
            // Counted by why (other tests of this suite may end some at the same time).
            #expect(Self.revokedStreamsEnded(harness) >= endedBefore + 1)

            for token in [old, oldSelfSigned, withoutIssue] {
                let refused = try await client.get("/v1/users/u1/counts", credential: token)
                #expect(refused.status == .unauthorized)
                #expect(try refused.errorCode() == "unauthorized")
            }
            let reopened = try await client.execute(
                uri: "/v1/users/u1/stream?access_token=\(old)", method: .get, headers: [:])
            #expect(reopened.status == .unauthorized)
            // Minted right after, in the same second: accepted.
            let fresh = try await harness.token("u1")
            #expect(try await client.get("/v1/users/u1/counts", credential: fresh).status == .ok)
            let later = try await Self.selfSigned(user: "u1", issuedAt: Date().addingTimeInterval(2))
            #expect(try await client.get("/v1/users/u1/counts", credential: later).status == .ok)
            // Another user's token and stream, and the API key's stream, go on.
            #expect(try await client.get("/v1/users/u2/counts", credential: otherUser).status == .ok)
            #expect(
                try await client.post("/v1/notifications", json: #"{"user": "u1", "type": "t"}"#).status == .created)
            #expect(try await byKey.nextEvent()?.event == "notification.created")
            #expect(
                try await client.post("/v1/notifications", json: #"{"user": "u2", "type": "t"}"#).status == .created)
            #expect(try await otherStream.nextEvent()?.event == "notification.created")

            // Another user's token may not; the user's own may (signing out everywhere, itself too).
            let forbidden = try await client.execute(
                uri: "/v1/users/u1/tokens", method: .delete, headers: .bearer(otherUser))
            #expect(forbidden.status == .forbidden)
            let member = try await client.execute(
                uri: "/v1/users/u1/tokens", method: .delete, headers: .bearer(json: true),
                body: ByteBuffer(string: #"{"before": "2026-01-01T00:00:00Z"}"#))
            #expect(member.status == .badRequest)
            #expect(try member.errorCode() == "invalid_field")
            // At once: `fresh` says the second after the first revocation's, which this one covers.
            let own = try await client.execute(uri: "/v1/users/u1/tokens", method: .delete, headers: .bearer(fresh))
            #expect(own.status == .ok)
            #expect(try await client.get("/v1/users/u1/counts", credential: fresh).status == .unauthorized)
            for stream in [byToken, byKey, otherStream] { await stream.close() }
        }

        // What the store kept: a server started again refuses the old tokens, takes new ones.
        let restarted = try await Authenticator(
            apiKeys: [], tokenSecret: HTTPHarness.secret,
            revocations: try await TokenRevocations.load(from: harness.services.store))
        // Issued a minute ago: before the revocations, however long this test took to get here.
        let old = try await Self.selfSigned(user: "u1", issuedAt: Date().addingTimeInterval(-60))
        #expect(restarted.knownPrincipal(for: old[...]) == nil)
        await #expect(throws: HeraldError.self) { try await restarted.principal(for: Self.request(old)) }
        let new = try await restarted.mintToken(user: "u1", ttlSeconds: 60).token
        #expect(try await restarted.principal(for: Self.request(new)).authorize(user: "u1") == ())
        await harness.shutdown()
    }

    /// `herald_sse_streams_ended_total{reason="tokens_revoked"}`.
    static func revokedStreamsEnded(_ harness: HTTPHarness) -> Int {
        harness.metric(#"herald_sse_streams_ended_total{reason="tokens_revoked"}"#)
    }

    static func request(_ token: String) -> Request {
        let head = HTTPRequest(
            method: .get, scheme: nil, authority: "t", path: "/v1/users/u1/counts",
            headerFields: [.authorization: "Bearer \(token)"])
        return Request(head: head, body: RequestBody(buffer: ByteBuffer()))
    }

    /// A stream its revoked token admitted an instant before the revocation reached the hub, and
    /// registered after, ends at once. (Here the authenticator still accepts the token the hub no
    /// longer admits.)
    @Test(arguments: [true, false])
    func aStreamOfARevokedTokenRegisteredLateEndsAtOnce(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath)
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            let token = try await Self.selfSigned(user: "u1", issuedAt: Date().addingTimeInterval(-5))
            let now = TokenRevocations.second(of: .now())
            #expect(harness.hub.endTokenStreams(of: "u1", issuedThrough: now - 1) == 0)
            let late = try await SSEReader(port: port, path: "/v1/users/u1/stream?access_token=\(token)", headers: [:])
            #expect(late.status == 200)
            #expect(try await late.nextEvent() == nil)
            #expect(await ServiceHarness.eventually { harness.hub.streams(of: "u1") == 0 })
            let byKey = try await SSEReader(port: port, path: "/v1/users/u1/stream", headers: Self.auth)
            #expect(try await byKey.nextEvent()?.event == "counts")
            for stream in [late, byKey] { await stream.close() }
        }
        await harness.shutdown()
    }

    /// Issue seconds: a revocation refuses its whole second and every one before, never goes back,
    /// and a token minted in its second says the next one, which a later revocation refuses.
    @Test func revocationsKeepTheirLatestSecond() async throws {
        let revocations = TokenRevocations()
        let at = Timestamp(milliseconds: 1_800_000_000_500)
        #expect(!revocations.isRevoked(user: "u1", issuedAt: nil))
        #expect(revocations.issueSecond(user: "u1", now: at) == 1_800_000_000)
        #expect(try await revocations.revoke(user: "u1", now: at) == 1_800_000_000)
        #expect(revocations.isRevoked(user: "u1", issuedAt: 1_800_000_000))
        #expect(revocations.isRevoked(user: "u1", issuedAt: nil))
        #expect(!revocations.isRevoked(user: "u1", issuedAt: 1_800_000_001))
        #expect(!revocations.isRevoked(user: "u2", issuedAt: 1))
        #expect(revocations.issueSecond(user: "u1", now: at) == 1_800_000_001)
        #expect(revocations.issueSecond(user: "u1", now: at.adding(seconds: 3)) == 1_800_000_003)
        // Again in the same second (or with a clock gone back): the tokens minted since, which
        // say the next second, are refused too.
        #expect(try await revocations.revoke(user: "u1", now: Timestamp(milliseconds: 1_000)) == 1_800_000_001)
        #expect(revocations.isRevoked(user: "u1", issuedAt: 1_800_000_001))
        #expect(revocations.issueSecond(user: "u1", now: at) == 1_800_000_002)
        #expect(TokenRevocations.second(of: Timestamp(milliseconds: -1)) == -1)
        #expect(TokenRevocations.second(of: Timestamp(milliseconds: 999)) == 0)
    }
}
