import HeraldClient
import Testing

/// A server that cannot be reached is named with its URL and a plain cause.
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
}
