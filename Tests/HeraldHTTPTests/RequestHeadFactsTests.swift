import NIOHTTP1
import Testing

@testable import HeraldHTTP

/// The fast path's reading of request headers and credentials, which must agree with what
/// Hummingbird's route would see.
struct RequestHeadFactsTests {
    @Test func namesMatchInAnyCaseAndOnlyExactly() {
        let facts = RequestHeadFacts(
            HTTPHeaders([
                ("CONTENT-length", "12"), ("Content-Type", "application/json"), ("content-type", "text/plain"),
                ("Authorization", "Bearer k"), ("Connection", "Keep-Alive"), ("X-Origin", "x"), ("Origins", "x"),
                ("Expects", "x"), ("Transfer-Encodings", "x"),
            ]))
        #expect(facts.contentLengths == ["12"])
        #expect(facts.contentType == "application/json")
        #expect(facts.authorization == "Bearer k")
        #expect(facts.keepsAlive)
        #expect(!facts.hasOrigin && !facts.hasExpect && !facts.hasTransferEncoding)
    }

    @Test func anythingTheFastPathMustLeaveAloneIsSeen() {
        let facts = RequestHeadFacts(
            HTTPHeaders([
                ("origin", "https://a.example"), ("EXPECT", "100-continue"), ("Transfer-Encoding", "chunked"),
                ("Content-Length", "1"), ("content-length", "2"), ("Connection", "keep-alive"), ("connection", "close"),
            ]))
        #expect(facts.hasOrigin && facts.hasExpect && facts.hasTransferEncoding)
        #expect(facts.contentLengths == ["1", "2"])
        #expect(!facts.keepsAlive)
        #expect(facts.contentType == nil)
        #expect(facts.authorization == nil)
    }

    @Test func twoAuthorizationHeadersGiveNoCredential() {
        let facts = RequestHeadFacts(HTTPHeaders([("Authorization", "Bearer a"), ("authorization", "Bearer b")]))
        #expect(facts.authorization == nil)
        #expect(RequestHeadFacts(HTTPHeaders([("Accept", "*/*")])).keepsAlive)
    }

    @Test func bearerCredentialsAreReadAsBeforeAndNothingElse() {
        #expect(Authenticator.bearerCredential("Bearer abc") == "abc")
        #expect(Authenticator.bearerCredential("bEaReR   abc \t") == "abc")
        #expect(Authenticator.bearerCredential("Bearer  ") == "")
        for header in ["Bearer", "Bearer ", "Bearerabc", "Bearer\tabc", "Basic abc", "Bearex abc", "Bearer-abc", ""] {
            #expect(Authenticator.bearerCredential(header) == nil, "\(header)")
        }
    }

    @Test func onlyAWholeAPIKeyIsABackend() async throws {
        let auth = try await Authenticator(apiKeys: ["key-one", "k2"], tokenSecret: HTTPHarness.secret)
        #expect(auth.knownPrincipal(for: "key-one") == .backend)
        #expect(auth.knownPrincipal(for: "k2") == .backend)
        for guess in ["key-on", "key-one!", "key-onf", "k", "k22", ""] {
            #expect(auth.knownPrincipal(for: guess[...]) == nil, "\(guess)")
        }
    }
}
