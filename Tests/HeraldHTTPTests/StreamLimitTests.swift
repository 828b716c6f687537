import HTTPTypes
import HeraldTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HeraldHTTP

@Suite(.timeLimit(.minutes(1)))
struct StreamLimitTests {
    static let auth = ["Authorization": "Bearer \(HTTPHarness.apiKey)"]

    /// Through the fast path and through Hummingbird's stream route alone: a user's streams are
    /// counted whatever credential opened them, one more is `429 too_many_streams` (for `HEAD`
    /// too), other users are not held back, and a stream that ends gives its place back.
    @Test(arguments: [true, false])
    func oneStreamMoreThanTheLimitIsRefusedUntilOneEnds(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath, maxStreamsPerUser: 2)
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            let token = try await harness.token("u1")
            let first = try await SSEReader(port: port, path: "/v1/users/u1/stream", headers: Self.auth)
            let second = try await SSEReader(
                port: port, path: "/v1/users/u1/stream?access_token=\(token)", headers: [:])
            #expect(first.status == 200 && second.status == 200)
            #expect(harness.hub.streams(of: "u1") == 2)

            let refused = try await client.execute(
                uri: "/v1/users/u1/stream", method: .get, headers: HTTPFields.bearer(token))
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(try refused.errorCode() == "too_many_streams")
            let message = try #require((try refused.json()["error"] as? [String: Any])?["message"] as? String)
            #expect(message.contains("2 open streams"))
            let head = try await client.execute(uri: "/v1/users/u1/stream", method: .head, headers: HTTPFields.bearer())
            #expect(head.status == .tooManyRequests)
            #expect(harness.hub.streams(of: "u1") == 2)

            let other = try await SSEReader(port: port, path: "/v1/users/u2/stream", headers: Self.auth)
            #expect(other.status == 200)
            #expect(try await other.nextEvent()?.event == "counts")

            await first.close()
            #expect(await ServiceHarness.eventually { harness.hub.streams(of: "u1") == 1 })
            let headAgain = try await client.execute(
                uri: "/v1/users/u1/stream", method: .head, headers: HTTPFields.bearer())
            #expect(headAgain.status == .ok)
            let third = try await SSEReader(port: port, path: "/v1/users/u1/stream", headers: Self.auth)
            #expect(third.status == 200)
            #expect(try await third.nextEvent()?.event == "counts")
            for stream in [second, third, other] { await stream.close() }
            #expect(await ServiceHarness.eventually { harness.hub.streams(of: "u1") == 0 })
        }
        await harness.shutdown()
    }

    /// Openings that race each other on every event loop: exactly the limit get a stream.
    @Test func racingOpeningsGetExactlyTheLimit() async throws {
        let harness = try await HTTPHarness(maxStreamsPerUser: 5)
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            let answered = Answered()
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        // Each stream stays open until all twenty are answered and counted.
                        let reader = try await SSEReader(port: port, path: "/v1/users/u1/stream", headers: Self.auth)
                        await answered.arrive()
                        await answered.waitForRelease()
                        await reader.close()
                        return reader.status
                    }
                }
                #expect(await ServiceHarness.eventually { await answered.count == 20 })
                #expect(harness.hub.streams(of: "u1") == 5)
                await answered.release()
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.count { $0 == 200 } == 5)
            #expect(statuses.count { $0 == 429 } == 15)
            #expect(await ServiceHarness.eventually { harness.hub.streams(of: "u1") == 0 })
        }
        await harness.shutdown()
    }

    /// A claim counts from the moment it is taken, is given back once however often it is
    /// released, and goes back by itself when its stream never began (the claim was dropped).
    @Test func claimsAreCountedPerUserAndGivenBackOnce() {
        let hub = StreamHub()
        var claims = (0..<3).compactMap { _ in hub.claim(user: "u1", limit: 3) }
        #expect(claims.count == 3)
        #expect(hub.claim(user: "u1", limit: 3) == nil)
        #expect(hub.isFull(user: "u1", limit: 3) && !hub.isFull(user: "u1", limit: 4))
        #expect(hub.claim(user: "u2", limit: 3) != nil)  // dropped at once: given back
        #expect(hub.streams(of: "u2") == 0)

        claims[0].release()
        claims[0].release()
        #expect(hub.streams(of: "u1") == 2)
        claims.removeFirst()
        #expect(hub.streams(of: "u1") == 2)
        claims.removeLast()  // never released: freeing it gives its place back
        #expect(hub.streams(of: "u1") == 1)
        #expect(hub.claim(user: "u1", limit: 3) != nil)
        #expect(hub.streams(of: "u1") == 1)

        let unlimited = (0..<1000).compactMap { _ in hub.claim(user: "u3", limit: nil) }
        #expect(unlimited.count == 1000 && hub.streams(of: "u3") == 1000)
        #expect(!hub.isFull(user: "u3", limit: nil))
        withExtendedLifetime(claims) {}
    }

    /// Counts the openings answered and holds them until released.
    actor Answered {
        private(set) var count = 0
        private var released = false
        private var waiting: [CheckedContinuation<Void, Never>] = []

        func arrive() { count += 1 }

        func waitForRelease() async {
            guard !released else { return }
            await withCheckedContinuation { waiting.append($0) }
        }

        func release() {
            released = true
            for continuation in waiting { continuation.resume() }
            waiting = []
        }
    }
}
