import Foundation
import HeraldCore
import HeraldTestSupport
import HummingbirdTesting
import NIOCore
import Testing

@testable import HeraldHTTP

/// A client's own `X-Request-Id` is the request's id, answered back, whether the event loop or
/// Hummingbird answers; one Herald would not take is replaced by one it makes.
@Suite(.timeLimit(.minutes(1)))
struct RequestIDTests {
    @Test(arguments: [
        ("trace-abc.123", true), ("a", true), (String(repeating: "x", count: 128), true),
        (String(repeating: "x", count: 129), false), ("", false), ("has space", false), ("tab\there", false),
        ("é", false), ("line\r\nbreak", false), (##"!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~"##, true),
    ])
    func acceptsOneToOneHundredTwentyEightVisibleASCIICharacters(_ value: String, _ accepted: Bool) {
        #expect((IncomingRequestID.accepted(value) == value) == accepted)
        #expect(accepted || IncomingRequestID.accepted(value) == nil)
    }

    @Test func onlyASingleHeaderCounts() {
        #expect(RequestHeadFacts(["X-Request-Id": "abc"]).requestID == "abc")
        #expect(RequestHeadFacts(["x-request-id": "abc"]).requestID == "abc")
        #expect(RequestHeadFacts(["X-Request-Id": "abc", "X-Request-ID": "def"]).requestID == nil)
        #expect(RequestHeadFacts(["X-Request-Id": "a b"]).requestID == nil)
        #expect(RequestHeadFacts([:]).requestID == nil)
    }

    /// The X-Request-Id of each answer to `requests` (each a head without its final blank line).
    private func answeredIDs(fast: Bool, _ requests: [String]) async throws -> [String] {
        let harness = try await HTTPHarness(fastPath: fast)
        _ = try await harness.services.service.create(try ServiceHarness.draft(user: "ann", id: "a"))
        let key = HTTPHarness.apiKey
        let answers = try await harness.app.test(.live) { client in
            // Cached counts, so the fast path can answer the counts reads below.
            #expect(try await client.get("/v1/users/ann/counts").status == .ok)
            let port = try #require(client.port)
            return try await RawHTTP.answersAlone(
                port: port, requests.map { $0.replacingOccurrences(of: "KEY", with: key) + "\r\n" })
        }
        await harness.shutdown()
        return answers.map { answer in
            answer.headers.first { $0.hasPrefix("X-Request-Id: ") }.map { String($0.dropFirst(14)) } ?? "none"
        }
    }

    @Test(arguments: [true, false])
    func aClientsIDIsAnsweredBack(fast: Bool) async throws {
        let create = #"{"user":"ann","type":"t"}"#
        let ids = try await answeredIDs(
            fast: fast,
            [
                "GET /v1/users/ann/counts HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer KEY\r\nX-Request-Id: counts-1\r\n",
                "POST /v1/notifications HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer KEY\r\n"
                    + "Content-Type: application/json\r\nContent-Length: \(create.utf8.count)\r\n"
                    + "X-Request-Id: create-1\r\n\r\n\(create)".dropLast(2),
                "POST /v1/users/ann/notifications/a/read HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer KEY\r\n"
                    + "x-request-id: read-1\r\n",
                "GET /v1/users/ann/counts HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer nope\r\nX-Request-Id: bad-key\r\n",
                "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Request-Id: health-1\r\n",
                "GET /v1/users/ann/counts HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer KEY\r\nX-Request-Id: a b\r\n",
            ])
        #expect(ids.prefix(5) == ["counts-1", "create-1", "read-1", "bad-key", "health-1"])
        // Made here: hex digits, 32 (the event loop's) or up to 32 (Hummingbird's, whose random first
        // half is written without leading zeros).
        #expect((17...32).contains(ids[5].utf8.count) && ids[5].allSatisfy(\.isHexDigit), "\(ids[5])")
    }
}
