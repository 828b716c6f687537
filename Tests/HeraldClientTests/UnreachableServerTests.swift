import HeraldClient
import Testing

/// A server that cannot be reached is named with its URL and a plain cause, at once.
struct UnreachableServerTests {
    @Test func aRefusedConnectionSaysSoPlainly() async throws {
        // Port 1 (tcpmux) has no listener on any machine these tests run on.
        let client = HeraldAPIClient(baseURL: "http://127.0.0.1:1", credential: "k")
        do {
            _ = try await client.counts(user: "u1")
            Issue.record("answered without a server")
        } catch {
            #expect(error.code == "unreachable")
            #expect(error.message == "cannot reach the server at http://127.0.0.1:1: Connection refused")
        }
    }

    /// A refusal is final. A client that tried again would go on until its connect timeout (here
    /// two minutes) or the request's 30 s deadline, whichever comes first, and fail with the same
    /// message, so never before 30 s; one that does not fails within a second when the machine is
    /// quiet. The bound is the deadline itself: with every other test running beside it on two
    /// loaded cores, the answer's wait for a thread alone has reached 25 s.
    @Test(.timeLimit(.minutes(1))) func aRefusedConnectionIsNotTriedAgain() async throws {
        let http = HeraldAPIClient.makeHTTPClient(connectTimeout: .seconds(120))
        let client = HeraldAPIClient(baseURL: "http://127.0.0.1:1", credential: "k", http: http)
        let clock = ContinuousClock()
        let started = clock.now
        await #expect(throws: HeraldClientError.self) { _ = try await client.counts(user: "u1") }
        #expect(clock.now - started < .seconds(30))
        try await http.shutdown()
    }
}
