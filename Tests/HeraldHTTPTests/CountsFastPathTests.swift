import Foundation
import HTTPTypes
import HeraldCore
import HeraldTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import HeraldHTTP

/// Counts answered on the event loop (`FastPath`): the same answers as through Hummingbird,
/// in request order, and only when nothing could differ.
@Suite(.timeLimit(.minutes(1)))
struct CountsFastPathTests {
    /// The first read of a user misses the cache and goes through Hummingbird; the second is a hit,
    /// answered on the event loop. Everything but the request id and the date must be the same,
    /// and both must be what a server without the fast path answers.
    @Test func aFastAnswerIsTheAnswerHummingbirdGives() async throws {
        var answers: [[String]] = []
        for fast in [true, false] {
            let harness = try await HTTPHarness(fastPath: fast)
            _ = try await harness.services.service.create(try ServiceHarness.draft(user: "ann", id: "a"))
            _ = try await harness.services.service.create(try ServiceHarness.draft(user: "ann", id: "b"))
            _ = try await harness.services.service.change(.read, user: "ann", id: "a")
            answers += try await harness.app.test(.live) { client in
                var answers: [[String]] = []
                for index in 0..<3 {
                    let before = harness.fastAnswers
                    let response = try await client.get("/v1/users/ann/counts")
                    #expect(response.status == .ok)
                    let requestID = try #require(response.headers[.init("X-Request-Id")!])
                    // Hummingbird's ids: a per-process random part (not zero-padded) and a 16-digit sequence.
                    #expect((17...32).contains(requestID.count) && requestID.allSatisfy(\.isHexDigit))
                    #expect(response.headers[.date].map { $0.hasSuffix(" GMT") && $0.count == 29 } == true)
                    answers.append(
                        [String(buffer: response.body)]
                            + response.headers.filter { ![.date, .init("X-Request-Id")!].contains($0.name) }
                            .map { "\($0.name): \($0.value)" })
                    if fast, index > 0 { #expect(harness.fastAnswers == before + 1) }
                }
                return answers
            }
            await harness.shutdown()
        }
        #expect(answers.count == 6)
        #expect(Set(answers.map { $0.joined(separator: "\n") }).count == 1, "\(answers)")
        #expect(answers[0][0] == #"{"seq":3,"unread":1,"unseen":1,"user":"ann"}"#)
        #expect(answers[0].contains("Server: herald"))
    }

    /// Requests sent back to back on one connection are answered in order, whichever way each one
    /// goes: a read after a create sees the create, a miss waits for the answer before it.
    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let harness = try await HTTPHarness()
        try await harness.app.test(.live) { client in
            #expect(try await client.get("/v1/users/pia/counts").status == .ok)  // now cached
            let port = try #require(client.port)
            let read = { (user: String) in RawHTTP.get("/v1/users/\(user)/counts") }
            let create = #"{"user":"pia","type":"t"}"#
            let before = harness.fastAnswers
            let responses = try await RawHTTP.exchange(
                port: port,
                read("pia") + "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n" + read("pia")
                    + RawHTTP.create(create)
                    + read("pia") + read("newcomer") + read("pia")
                    + "GET /v1/users/pia/counts HTTP/1.1\r\nHost: t\r\n\r\n"  // no credentials
                    + read("pia").replacingOccurrences(of: "\r\n\r\n", with: "\r\nConnection: close\r\n\r\n"))
            #expect(responses.map(\.status) == [200, 200, 200, 201, 200, 200, 200, 401, 200])
            let bodies = responses.map(\.body)
            #expect(bodies[0] == #"{"seq":0,"unread":0,"unseen":0,"user":"pia"}"#)
            #expect(bodies[1] == #"{"status":"ok"}"#)
            #expect(bodies[2] == bodies[0])
            #expect(bodies[4] == #"{"seq":1,"unread":1,"unseen":1,"user":"pia"}"#)
            #expect(bodies[5] == #"{"seq":0,"unread":0,"unseen":0,"user":"newcomer"}"#)
            #expect(bodies[6] == bodies[4])
            #expect(bodies[8] == bodies[4])
            // The first read is a hit with nothing before it; the others arrived while Hummingbird
            // owed an answer (to the health check), so they went there too, in order.
            #expect(harness.fastAnswers == before + 1)
        }
        await harness.shutdown()
    }

    /// Many reads sent ahead on one connection, all answerable on the event loop: each waits for
    /// the one before it, and the answers come back in order.
    @Test func manyReadsSentAheadAreAnsweredInOrder() async throws {
        let harness = try await HTTPHarness()
        let users = (0..<5).map { "ahead\($0)" }
        try await harness.app.test(.live) { client in
            for user in users { #expect(try await client.get("/v1/users/\(user)/counts").status == .ok) }
            let order = (0..<60).map { users[$0 % users.count] }
            var requests = order.map { RawHTTP.get("/v1/users/\($0)/counts") }
            requests.append(RawHTTP.closing)
            let before = harness.fastAnswers
            let responses = try await RawHTTP.exchange(port: try #require(client.port), requests.joined())
            #expect(responses.count == 61)
            #expect(responses.dropLast().map(\.status) == Array(repeating: 200, count: 60))
            #expect(
                responses.dropLast().map(\.body) == order.map { #"{"seq":0,"unread":0,"unseen":0,"user":"\#($0)"}"# })
            #expect(harness.fastAnswers == before + 60)
        }
        await harness.shutdown()
    }

    /// A malformed request sent right behind a fast one gets Hummingbird's 400 after the fast answer.
    @Test func aBrokenRequestBehindAFastOneIsAnsweredAfterIt() async throws {
        let harness = try await HTTPHarness()
        try await harness.app.test(.live) { client in
            #expect(try await client.get("/v1/users/bo/counts").status == .ok)  // cached
            let responses = try await RawHTTP.exchange(
                port: try #require(client.port),
                RawHTTP.get("/v1/users/bo/counts") + "GARBAGE\r\n\r\n")
            #expect(responses.map(\.status) == [200, 400])
            #expect(responses.first?.body == #"{"seq":0,"unread":0,"unseen":0,"user":"bo"}"#)
        }
        await harness.shutdown()
    }

    /// Reads over HTTP beside a writer: never older than a write that had returned before the read
    /// was sent, always a state the store had (the one notification is unread exactly at odd seqs).
    @Test func readsBesideWritesAreFreshAndConsistent() async throws {
        let harness = try await HTTPHarness()
        let service = harness.services.service
        _ = try await service.create(try ServiceHarness.draft(user: "wes", id: "n"))
        let returned = LockedBox<Int>(1)
        let readsSoFar = LockedBox<Int>(0)
        let done = ManagedAtomicFlag()
        let before = harness.fastAnswers
        let reads = try await harness.app.test(.live) { client in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        var count = 0
                        while !done.isSet {
                            let floor = returned.value
                            let json = try await client.get("/v1/users/wes/counts").json()
                            let seq = try #require(json["seq"] as? Int)
                            #expect(seq >= floor)
                            #expect(json["unread"] as? Int == seq % 2, "\(json)")
                            count += 1
                            readsSoFar.withLock { $0 += 1 }
                        }
                        return count
                    }
                }
                group.addTask {
                    // At least 150 toggles, and on until the readers have read 200 times beside them.
                    var index = 0
                    while index < 150 || readsSoFar.value < 200 {
                        defer { index += 1 }
                        let outcome = try await service.change(index % 2 == 0 ? .read : .unread, user: "wes", id: "n")
                        guard case .changed(let change) = outcome else { throw TestFailure("a toggle changed nothing") }
                        returned.value = Int(change.counts.seq)
                    }
                    done.set()
                    return 0
                }
                return try await group.reduce(0, +)
            }
        }
        #expect(reads >= 200)
        #expect(harness.fastAnswers > before)
        await harness.shutdown()
    }

    /// A user token goes fast once it was verified, and only for its own user.
    @Test func userTokensAreCheckedAsEverywhere() async throws {
        let harness = try await HTTPHarness()
        let token = try await harness.token("tia")
        try await harness.app.test(.live) { client in
            #expect(try await client.get("/v1/users/tia/counts", credential: token).status == .ok)
            let before = harness.fastAnswers
            #expect(try await client.get("/v1/users/tia/counts", credential: token).status == .ok)
            #expect(harness.fastAnswers == before + 1)
            let forbidden = try await client.get("/v1/users/other/counts", credential: token)
            #expect(forbidden.status == .forbidden)
            #expect(try forbidden.errorCode() == "forbidden")
            #expect(try await client.get("/v1/users/tia/counts", credential: "not-a-key").status == .unauthorized)
            let basic = try await client.execute(
                uri: "/v1/users/tia/counts", method: .get, headers: [.authorization: "Basic \(HTTPHarness.apiKey)"])
            #expect(basic.status == .unauthorized)
        }
        await harness.shutdown()
    }

    /// Requests the fast path leaves to Hummingbird get Hummingbird's answers: an encoded user id,
    /// a query string, HEAD, a cross-origin read (CORS headers), an invalid user id.
    @Test func requestsLeftToHummingbirdKeepTheirAnswers() async throws {
        let harness = try await HTTPHarness(corsOrigins: ["https://app.example"])
        _ = try await harness.services.service.create(try ServiceHarness.draft(user: "cy", id: "a"))
        _ = try await harness.services.service.create(try ServiceHarness.draft(user: "u@x", id: "a"))
        try await harness.app.test(.live) { client in
            #expect(try await client.get("/v1/users/cy/counts").status == .ok)  // cached from here on
            for _ in 0..<2 {
                let encoded = try await client.get("/v1/users/u%40x/counts")
                #expect(encoded.status == .ok)
                #expect(try encoded.json()["user"] as? String == "u@x")
                #expect(try encoded.json()["unread"] as? Int == 1)
                let query = try await client.get("/v1/users/cy/counts?fields=all")
                #expect(query.status == .ok)
                #expect(try query.json()["unread"] as? Int == 1)
                let head = try await client.execute(uri: "/v1/users/cy/counts", method: .head, headers: .bearer())
                #expect(head.body.readableBytes == 0)
                var crossOrigin = HTTPFields.bearer()
                crossOrigin[OperatorTests.origin] = "https://app.example"
                let cors = try await client.execute(uri: "/v1/users/cy/counts", method: .get, headers: crossOrigin)
                #expect(cors.status == .ok)
                #expect(cors.headers[OperatorTests.allowOrigin] == "https://app.example")
                let invalid = try await client.get("/v1/users/bad%20id/counts")
                #expect(invalid.status == .badRequest)
                #expect(try invalid.errorCode() == "invalid_id")
            }
        }
        await harness.shutdown()
    }

    /// The fast path steps aside only for what CORS changes: a cross-origin request while CORS is
    /// on. A request without `Origin` there, and one with it while CORS is off (no headers to add),
    /// are answered on the event loop.
    @Test(arguments: [true, false])
    func onlyACrossOriginRequestWithCORSOnIsLeftToHummingbird(corsOn: Bool) async throws {
        let harness = try await HTTPHarness(corsOrigins: corsOn ? ["https://app.example"] : [])
        _ = try await harness.services.service.create(try ServiceHarness.draft(user: "cy", id: "a"))
        try await harness.app.test(.live) { client in
            #expect(try await client.get("/v1/users/cy/counts").status == .ok)  // cached from here on
            let before = harness.fastAnswers
            #expect(try await client.get("/v1/users/cy/counts").status == .ok)
            #expect(harness.fastAnswers == before + 1)
            var crossOrigin = HTTPFields.bearer()
            crossOrigin[OperatorTests.origin] = "https://app.example"
            let cors = try await client.execute(uri: "/v1/users/cy/counts", method: .get, headers: crossOrigin)
            #expect(cors.status == .ok)
            #expect((cors.headers[OperatorTests.allowOrigin] == "https://app.example") == corsOn)
            #expect(harness.fastAnswers == before + (corsOn ? 1 : 2))
        }
        await harness.shutdown()
    }

    /// When memcached is gone, every read still gets the store's counts; once the cache is marked
    /// down (the create's update of it failed), the fast path reads them from the store itself, and
    /// answers as Hummingbird does.
    @Test func withMemcachedDownReadsStillGetTheStoresCounts() async throws {
        let harness = try await HTTPHarness()
        _ = try await harness.services.service.create(try ServiceHarness.draft(user: "mo", id: "a"))
        try await harness.app.test(.live) { client in
            #expect(try await client.get("/v1/users/mo/counts").json()["unread"] as? Int == 1)  // cached
            harness.services.memcached.kill()
            _ = try await harness.services.service.create(try ServiceHarness.draft(user: "mo", id: "b"))
            // The create's failed update marks the cache down (on the cache's thread).
            #expect(await ServiceHarness.eventually { harness.services.service.cache.status == .down })
            for _ in 0..<3 {
                let before = harness.fastAnswers
                let response = try await client.get("/v1/users/mo/counts")
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"seq":2,"unread":2,"unseen":2,"user":"mo"}"#)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(harness.fastAnswers == before + 1)
            }
        }
        await harness.shutdown()
    }

    @Test func dateHeadersAreIMFFixdates() {
        #expect(HTTPDate.format(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(951_782_400) == "Tue, 29 Feb 2000 00:00:00 GMT")
        #expect(HTTPDate.format(1_796_146_831) == "Tue, 01 Dec 2026 17:40:31 GMT")
        #expect(HTTPDate.format(4_102_444_799) == "Thu, 31 Dec 2099 23:59:59 GMT")
    }
}
