import Foundation
import HeraldCore
import HeraldTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HeraldHTTP

/// Single creates answered on the event loop (`FastPath`): every outcome answered as Hummingbird
/// answers it, each answer after the commit, the event's publication and the counts cache's update.
@Suite(.timeLimit(.minutes(1)))
struct CreateFastPathTests {
    private static let key = HTTPHarness.apiKey

    private static func read(_ user: String) -> String { RawHTTP.get("/v1/users/\(user)/counts") }

    /// A new notification (201), its replay (200), a conflicting one (409), a store failure (503),
    /// a body that is not JSON and one that is not a notification (400): the same statuses, header
    /// lines and bodies with and without the fast path, all but the request id, the date and the
    /// timestamps the store sets.
    @Test func everyOutcomeIsAnsweredAsHummingbirdAnswersIt() async throws {
        var runs: [[String]] = []
        for fast in [true, false] {
            let harness = try await HTTPHarness(fastPath: fast)
            try await harness.failStore("INSERT")
            let before = harness.fastAnswers
            let responses = try await harness.app.test(.live) { client in
                try await RawHTTP.exchange(
                    port: try #require(client.port),
                    RawHTTP.create(#"{"user":"fay","id":"n1","type":"t","title":"hi","tags":["a"],"data":{"k":[1,2]}}"#)
                        + RawHTTP.create(
                            #"{"user":"fay","id":"n1","type":"t","title":"hi","tags":["a"],"data":{"k":[1,2]}}"#)
                        + RawHTTP.create(#"{"user":"fay","id":"n1","type":"other"}"#)
                        + RawHTTP.create(#"{"user":"fay","type":"boom"}"#)
                        + RawHTTP.create(#"{"user":"fay","type":"t""#)
                        + RawHTTP.create(#"{"user":"fay"}"#)
                        + Self.read("fay") + RawHTTP.closing)
            }
            #expect(responses.map(\.status) == [201, 200, 409, 503, 400, 400, 200, 200])
            if fast { #expect(harness.fastAnswers == before + 4) }
            runs.append(responses.map(\.comparable))
            #expect(responses.allSatisfy { $0.headers.filter { $0.hasPrefix("X-Request-Id: ") }.count == 1 })
            await harness.shutdown()
        }
        #expect(runs[0] == runs[1])
        let created = runs[0][0]
        #expect(created.contains("Server: herald") && created.contains("Content-Type: application/json; charset=utf-8"))
        #expect(created.contains(#""counts":{"seq":1,"unread":1,"unseen":1,"user":"fay"}"#), "\(created)")
        #expect(runs[0][2].contains(#""code":"id_conflict""#))
        #expect(runs[0][3].contains(#""code":"unavailable""#) && !runs[0][3].contains("boom"))
        #expect(runs[0][3].contains("\nRetry-After: 1\n"), "\(runs[0][3])")
        #expect(runs[0][6].hasSuffix(#"{"seq":1,"unread":1,"unseen":1,"user":"fay"}"#))
    }

    /// Each answer comes after the create is committed and in the counts cache: reads sent right
    /// behind each create on one connection (answered from the cache) see it. The store has them
    /// all, and a subscriber gets every event, in order.
    @Test func anAnswerFollowsTheCommitThePublicationAndTheCache() async throws {
        let harness = try await HTTPHarness()
        let subscription = harness.services.broker.subscribe()
        try await harness.app.test(.live) { client in
            #expect(try await client.get("/v1/users/gil/counts").status == .ok)  // cached from here on
            let before = harness.fastAnswers
            var requests = ""
            for index in 0..<20 {
                requests += RawHTTP.create(#"{"user":"gil","id":"g\#(index)","type":"t"}"#) + Self.read("gil")
            }
            let responses = try await RawHTTP.exchange(port: try #require(client.port), requests + RawHTTP.closing)
            #expect(responses.map(\.status) == Array(repeating: [201, 200], count: 20).flatMap { $0 } + [200])
            for index in 0..<20 {
                let seq = index + 1
                #expect(
                    responses[2 * index].body.contains(
                        #""counts":{"seq":\#(seq),"unread":\#(seq),"unseen":\#(seq),"user":"gil"}"#))
                #expect(
                    responses[2 * index + 1].body == #"{"seq":\#(seq),"unread":\#(seq),"unseen":\#(seq),"user":"gil"}"#)
            }
            #expect(harness.fastAnswers == before + 40)
            let stored = try await harness.services.store.counts(user: "gil")
            #expect(stored.seq == 20 && stored.unread == 20)
        }
        var seqs: [Int64] = []
        for await event in subscription where event.user == "gil" {
            seqs.append(event.seq)
            if seqs.count == 20 { break }
        }
        #expect(seqs == Array(1...20))
        await harness.shutdown()
    }

    /// A notification's `data` is rendered once, when the request is read, and those bytes are
    /// what the answer, the stored row (read back by a list), the `notification.created` event and
    /// a batch answer carry: each holds the same notification JSON, byte for byte.
    @Test func dataRenderedOnceIsWhatTheAnswerTheRowTheEventAndABatchCarry() async throws {
        let harness = try await HTTPHarness()
        let subscription = harness.services.broker.subscribe()
        let data = #"{"z":[1,-2.5,1e300,null,true,{}],"a":{"é":"x/y \"q\"\n","b":[]},"10":"😀","1":0.1}"#
        let single = #"{"user":"jo","id":"one","type":"t","data":\#(data)}"#
        let batch = #"{"notifications":[{"user":"jo","id":"two","type":"t","data":\#(data)}]}"#
        let responses = try await harness.app.test(.live) { client in
            try await RawHTTP.exchange(
                port: try #require(client.port),
                RawHTTP.create(single)
                    + "POST /v1/notifications/batch HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(Self.key)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: \(batch.utf8.count)\r\n\r\n\(batch)"
                    + RawHTTP.get("/v1/users/jo/notifications") + RawHTTP.closing)
        }
        #expect(responses.map(\.status) == [201, 200, 200, 200])
        let rendered = #""data":{"1":0.1,"10":"😀","a":{"b":[],"é":"x/y \"q\"\n"},"z":[1,-2.5,1e+300,null,true,{}]}"#
        func notification(_ id: String, in text: String) throws -> String {
            let start = try #require(text.range(of: #"{"archived_at":null"#)?.lowerBound)
            let end = try #require(text.range(of: #""id":"\#(id)""#)?.upperBound)
            return String(text[start..<end])
        }
        let answered = try notification("one", in: responses[0].body)
        #expect(answered.contains(rendered), "\(answered)")
        let listed = responses[2].body
        #expect(listed.contains(answered))
        #expect(try notification("two", in: listed) == (try notification("two", in: responses[1].body)))
        for await event in subscription where event.user == "jo" {
            #expect(event.data.hasPrefix(#"{"notification":\#(answered)"#))
            break
        }
        await harness.shutdown()
    }

    /// A body that arrives over many reads (connections start with 256-byte read buffers) is
    /// collected whole before it is read.
    @Test func aBodyInManyPiecesIsReadWhole() async throws {
        let harness = try await HTTPHarness()
        let text = String((0..<4000).map { index in Character(UnicodeScalar(UInt8(97 + index % 26))) })
        let before = harness.fastAnswers
        let responses = try await harness.app.test(.live) { client in
            try await RawHTTP.exchange(
                port: try #require(client.port),
                RawHTTP.create(#"{"user":"ivy","id":"long","type":"t","body":"\#(text)","tags":["ä"]}"#)
                    + RawHTTP.closing)
        }
        #expect(responses.map(\.status) == [201, 200])
        #expect(harness.fastAnswers == before + 1)
        let stored = try await harness.services.service.notification(user: "ivy", id: "long")
        #expect(stored?.body == text && stored?.tags == ["ä"])
        await harness.shutdown()
    }

    /// Creates the fast path leaves to Hummingbird keep their answers: no or another content type,
    /// a body over the limit, chunked, `Expect: 100-continue`, a user token, a cross-origin request, a
    /// `Content-Encoding` (which Herald decodes none of: 415, but `identity`), a transfer coding
    /// but the chunks (400), a type that only begins like JSON's (415).
    @Test func createsLeftToHummingbirdKeepTheirAnswers() async throws {
        let harness = try await HTTPHarness(corsOrigins: ["https://app.example"])
        let token = try await harness.token("hal")
        let json = #"{"user":"hal","type":"t"}"#
        let large = #"{"user":"hal","type":"t","body":"\#(String(repeating: "x", count: 70_000))"}"#
        @Sendable func chunked(_ codings: String) -> String {
            "POST /v1/notifications HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(Self.key)\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: \(codings)\r\n\r\n"
                + "\(String(json.utf8.count, radix: 16))\r\n\(json)\r\n0\r\n\r\n"
        }
        let responses = try await harness.app.test(.live) { client in
            // The token is verified from here on, so the fast path knows it.
            #expect(try await client.get("/v1/users/hal/counts", credential: token).status == .ok)
            let port = try #require(client.port)
            let requests = [
                RawHTTP.create(json, headers: ""),
                RawHTTP.create(json, headers: "Content-Type: text/plain\r\n"),
                RawHTTP.create(large),
                chunked("chunked"),
                RawHTTP.create(json, headers: "Content-Type: application/json\r\nExpect: 100-continue\r\n"),
                RawHTTP.create(json).replacingOccurrences(of: Self.key, with: token),
                RawHTTP.create(json, headers: "Content-Type: application/json\r\nOrigin: https://app.example\r\n"),
                RawHTTP.create(json, headers: "Content-Type: application/json\r\nContent-Encoding: gzip\r\n"),
                RawHTTP.create(json, headers: "Content-Type: application/json\r\nContent-Encoding: Identity\r\n"),
                RawHTTP.create(json, headers: "Content-Type: application/json\r\nContent-Encoding: identity, br\r\n"),
                // NIO's parser took these chunks off and left the gzip, read as if it were not there.
                chunked("gzip, chunked"),
                chunked("Chunked"),
                // A type that only begins like JSON's is not JSON; a charset is ignored (RFC 8259 §11).
                RawHTTP.create(json, headers: "Content-Type: application/json; charset=latin1\r\n"),
                RawHTTP.create(json, headers: "Content-Type: application/jsonl\r\n"),
                RawHTTP.create(json, headers: "Content-Type: application/merge-patch+json; charset=\"UTF-8\"\r\n"),
                Self.read("hal"),
            ]
            return try await RawHTTP.answersAlone(port: port, requests)
        }
        let statuses = responses.map(\.status)
        #expect(
            statuses == [415, 415, 413, 201, 201, 403, 201, 415, 201, 415, 400, 201, 201, 415, 201, 200], "\(statuses)")
        #expect(responses[0].body.contains(#""code":"unsupported_media_type""#))
        #expect(responses[2].body.contains(#""code":"too_large""#))
        #expect(responses[5].body.contains(#""code":"forbidden""#))
        #expect(responses[6].headers.contains("Access-Control-Allow-Origin: https://app.example"))
        #expect(responses[7].body.contains("Content-Encoding gzip is not supported: send the body uncompressed"))
        #expect(responses[9].body.contains("Content-Encoding br is not supported"))
        #expect(responses[10].body.contains("Transfer-Encoding gzip is not supported"))
        #expect(responses[13].body.contains("Content-Type must be application/json"))
        #expect(responses[15].body == #"{"seq":7,"unread":7,"unseen":7,"user":"hal"}"#)
        await harness.shutdown()
    }
}
