import HTTPTypes
import HeraldTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HeraldHTTP

/// Open streams end when the API key or token secret that admitted them is dropped (credentials
/// read again from their files), and only those: a secret kept as a former one keeps its streams,
/// and the other streams go on receiving events.
@Suite(.timeLimit(.minutes(1)))
struct DroppedCredentialStreamTests {
    static let newSecret = "a-new-token-secret-that-is-long-enough-0123"

    static func bearer(_ credential: String) -> [String: String] { ["Authorization": "Bearer \(credential)"] }

    @Test(arguments: [true, false])
    func streamsOfADroppedCredentialEndAndTheOthersStay(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath)
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            let token = try await harness.token("u1")
            let path = "/v1/users/u1/stream"
            let byFirstKey = try await SSEReader(port: port, path: path, headers: Self.bearer(HTTPHarness.apiKey))
            let bySecondKey = try await SSEReader(port: port, path: path, headers: Self.bearer("second-key"))
            let byToken = try await SSEReader(port: port, path: "\(path)?access_token=\(token)", headers: [:])
            for stream in [byFirstKey, bySecondKey, byToken] {
                #expect(try await stream.nextEvent()?.event == "counts")
            }

            // The secret becomes a former one: its tokens are still accepted, and its streams stay.
            let kept = try await harness.auth.replaceCredentials(
                apiKeys: [HTTPHarness.apiKey, "second-key"], tokenSecret: Self.newSecret,
                previousTokenSecrets: [HTTPHarness.secret])
            #expect(harness.hub.admitOnly(kept) == 0)
            #expect(harness.hub.openStreams == 3)

            let dropped = try await harness.auth.replaceCredentials(
                apiKeys: ["second-key"], tokenSecret: Self.newSecret, previousTokenSecrets: [])
            #expect(harness.hub.admitOnly(dropped) == 2)
            #expect(try await byFirstKey.nextEvent() == nil)
            #expect(try await byToken.nextEvent() == nil)
            #expect(await ServiceHarness.eventually { harness.hub.streams(of: "u1") == 1 })

            let created = try await client.post(
                "/v1/notifications", json: #"{"user": "u1", "type": "t", "title": "after"}"#, credential: "second-key")
            #expect(created.status == .created)
            #expect(try await bySecondKey.nextEvent()?.event == "notification.created")
            let refused = try await client.execute(
                uri: path, method: .get, headers: HTTPFields.bearer(HTTPHarness.apiKey))
            #expect(refused.status == .unauthorized)
            for stream in [byFirstKey, bySecondKey, byToken] { await stream.close() }
        }
        await harness.shutdown()
    }

    /// A stream its credential admitted an instant before the hub heard the credential was
    /// dropped, and registered after, is refused at its registration: it ends at once, and its
    /// place goes back. (Here the authenticator still accepts the key the hub no longer admits.)
    @Test(arguments: [true, false])
    func aStreamAdmittedJustBeforeItsCredentialWasDroppedEndsAtOnce(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath)
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            #expect(harness.hub.admitOnly([.apiKey("second-key".utf8)]) == 0)
            let late = try await SSEReader(
                port: port, path: "/v1/users/u1/stream", headers: Self.bearer(HTTPHarness.apiKey))
            #expect(late.status == 200)
            #expect(try await late.nextEvent() == nil)
            #expect(await ServiceHarness.eventually { harness.hub.streams(of: "u1") == 0 })
            let admitted = try await SSEReader(
                port: port, path: "/v1/users/u1/stream", headers: Self.bearer("second-key"))
            #expect(try await admitted.nextEvent()?.event == "counts")
            #expect(harness.hub.openStreams == 1)
            for stream in [late, admitted] { await stream.close() }
        }
        await harness.shutdown()
    }
}
