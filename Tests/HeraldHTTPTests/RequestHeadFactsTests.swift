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
                ("Transfer-Encodings", "x"),
            ]))
        #expect(facts.contentLengthCount == 1)
        #expect(facts.contentLength == "12")
        #expect(facts.contentType == "application/json")
        #expect(facts.authorization == "Bearer k")
        #expect(facts.keepsAlive)
        #expect(!facts.hasOrigin && !facts.hasTransferEncoding)
    }

    @Test func anythingTheFastPathMustLeaveAloneIsSeen() {
        let facts = RequestHeadFacts(
            HTTPHeaders([
                ("origin", "https://a.example"), ("Transfer-Encoding", "chunked"),
                ("Content-Length", "1"), ("content-length", "2"), ("Connection", "keep-alive"), ("connection", "close"),
            ]))
        #expect(facts.hasOrigin && facts.hasTransferEncoding)
        #expect(facts.contentLengthCount == 2)
        #expect(facts.contentLength == nil)
        #expect(!facts.keepsAlive)
        #expect(facts.contentType == nil)
        #expect(facts.authorization == nil)
    }

    @Test func twoAuthorizationHeadersGiveNoCredential() {
        let facts = RequestHeadFacts(HTTPHeaders([("Authorization", "Bearer a"), ("authorization", "Bearer b")]))
        #expect(facts.authorization == nil)
        #expect(RequestHeadFacts(HTTPHeaders([("Accept", "*/*")])).keepsAlive)
    }

    /// Only one `Connection: close`, exactly, ends the connection for the fast path: the form
    /// ``ConnectionCloseHandler`` rewrites every other way of asking into.
    @Test func onlyOneExactCloseEndsTheConnection() {
        func facts(_ values: [String]) -> RequestHeadFacts {
            RequestHeadFacts(HTTPHeaders(values.map { ("Connection", $0) }))
        }
        #expect(facts(["close"]).endsConnection)
        #expect(!facts(["close"]).keepsAlive)
        #expect(!facts([]).endsConnection)
        #expect(!facts(["Close"]).endsConnection)
        #expect(!facts(["close", "close"]).endsConnection)
        #expect(!facts(["close, TE"]).endsConnection)
        #expect(!facts(["keep-alive"]).endsConnection)
        #expect(facts(["Keep-Alive", "keep-alive"]).keepsAlive)
    }

    @Test func everyLastEventIDIsKeptInOrder() {
        #expect(RequestHeadFacts(HTTPHeaders([("Accept", "*/*")])).lastEventIDs.isEmpty)
        #expect(RequestHeadFacts(HTTPHeaders([("LAST-EVENT-ID", " 7 ")])).lastEventIDs == [" 7 "])
        let facts = RequestHeadFacts(
            HTTPHeaders([("Last-Event-ID", "1"), ("Last-Event-IDs", "x"), ("last-event-id", "2")]))
        #expect(facts.lastEventIDs == ["1", "2"])
    }

    @Test func bearerCredentialsAreReadAsBeforeAndNothingElse() {
        #expect(Authenticator.bearerCredential("Bearer abc") == "abc")
        #expect(Authenticator.bearerCredential("bEaReR   abc \t") == "abc")
        #expect(Authenticator.bearerCredential("Bearer  ") == "")
        for header in ["Bearer", "Bearer ", "Bearerabc", "Bearer\tabc", "Basic abc", "Bearex abc", "Bearer-abc", ""] {
            #expect(Authenticator.bearerCredential(header) == nil, "\(header)")
        }
    }

    @Test func jsonMediaTypesAreRecognizedInAnyCase() {
        for type in [
            "application/json", "application/json; charset=utf-8", "Application/JSON", "APPLICATION/JSON;charset=UTF-8",
            "application/problem+json", "application/merge-patch+JSON", "text/x+jsoN; q=1", " application/json ",
            "application/json;", "application/json ; charset=\"utf-8\"",
            // RFC 8259 §11: a charset has no effect on JSON, which is UTF-8.
            "application/json; charset=latin1",
        ] {
            #expect(JSONMediaType.matches(type), "\(type)")
        }
        for type in [
            nil, "", "application/jso", "application/xml", "text/plain", "application/x-json", "+jso", "json+",
            "application/ json", "\u{212A}application/json", "+json", "application/+json", "application/jsonl",
            "application/json-seq", "text/json", "text/plain; x=+json", "application/json x",
            "application/json, text/plain",
        ] {
            #expect(!JSONMediaType.matches(type), "\(type ?? "nil")")
        }
    }

    @Test func asciiCaseIsIgnoredInPlaceAndThroughIterators() {
        #expect("Keep-Alive".utf8.equalsIgnoringASCIICase("keep-alive"))
        #expect(Array("KEEP-ALIVE".utf8).equalsIgnoringASCIICase("keep-alive"))
        #expect(!"keep-aliv".utf8.equalsIgnoringASCIICase("keep-alive"))
        #expect(!"keep-alive!".utf8.equalsIgnoringASCIICase("keep-alive"))
        #expect("Keep-Alive".utf8.lazy.map { $0 }.equalsIgnoringASCIICase("keep-alive"))
        #expect(!"keep-alivf".utf8.lazy.map { $0 }.equalsIgnoringASCIICase("keep-alive"))
        #expect("a++JSON".utf8.containsIgnoringASCIICase("+json"))
        #expect("++jso+json".utf8.containsIgnoringASCIICase("+json"))
        #expect(!"++jso+jso".utf8.containsIgnoringASCIICase("+json"))
        #expect("anything".utf8.containsIgnoringASCIICase(""))
        // Only letters fold: the bytes 32 apart from others, below `A` and above `Z`, stay apart.
        #expect(!"@".utf8.equalsIgnoringASCIICase("`"))
        #expect(!"[".utf8.equalsIgnoringASCIICase("{"))
        #expect(!"_".utf8.equalsIgnoringASCIICase("\u{7F}"))
        #expect(!"\u{10}".utf8.equalsIgnoringASCIICase("0"))
        #expect(!"\r".utf8.lazy.map { $0 }.equalsIgnoringASCIICase("-"))
        #expect(!"a@json".utf8.containsIgnoringASCIICase("`json"))
    }

    @Test func onlyAWholeAPIKeyIsABackend() async throws {
        let auth = try await Authenticator(apiKeys: ["key-one", "k2"], tokenSecret: HTTPHarness.secret)
        #expect(auth.knownPrincipal(for: "key-one")?.isBackend == true)
        #expect(auth.knownPrincipal(for: "k2")?.isBackend == true)
        for guess in ["key-on", "key-one!", "key-onf", "k", "k22", ""] {
            #expect(auth.knownPrincipal(for: guess[...]) == nil, "\(guess)")
        }
    }
}
