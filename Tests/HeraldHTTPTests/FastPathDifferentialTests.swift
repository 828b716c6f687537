import Foundation
import HeraldTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HeraldHTTP

/// The fast path never changes an answer: the same few hundred requests, drawn at random from every
/// shape `FastPath` takes and from many near them that it must leave to Hummingbird (other
/// methods, paths, queries, credentials, bodies, header lines), sent in the same order to a server
/// with the fast path and to one without, get the same answers, all but the request id, the date
/// and the timestamps the store sets. The requests build up state as they go (creates, replays,
/// conflicts, changes, deletes), so later reads meet caches filled or invalidated by earlier ones.
@Suite(.timeLimit(.minutes(2)))
struct FastPathDifferentialTests {
    /// A seeded generator (SplitMix64): every run draws the same requests.
    struct Draw {
        private var state: UInt64

        init(seed: UInt64) {
            state = seed
        }

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        /// True with probability `percent` / 100.
        mutating func chance(_ percent: UInt64) -> Bool { next() % 100 < percent }

        mutating func pick<T>(_ choices: [T]) -> T { choices[Int(next() % UInt64(choices.count))] }
    }

    /// The credentials a request may carry.
    struct Credentials {
        /// A user token for `u1`.
        let token: String
    }

    static let users = ["u1", "u1", "u2", "u3"]
    static let ids = ["n1", "n2", "n3", "n4"]

    /// One request's text, drawn from `draw`.
    static func request(_ draw: inout Draw, _ credentials: Credentials) -> String {
        let user =
            draw.chance(6)
            ? draw.pick(["bad%20user", "", String(repeating: "a", count: 129), "U.1"]) : draw.pick(users)
        let id = draw.chance(6) ? draw.pick(["bad%20id", "read-all", "n1/", ""]) : draw.pick(ids)
        var method = "GET"
        var path: String
        var body: String?
        var contentType: String?
        switch draw.next() % 100 {
        case 0..<15:
            path = "/v1/users/\(user)/counts"
        case 15..<25:
            path = "/v1/users/\(user)/notifications/\(id)"
        case 25..<37:
            path = "/v1/users/\(user)/notifications" + query(&draw)
        case 37..<55:
            method = "POST"
            path = "/v1/notifications"
            body = createBody(&draw, user: user, id: id)
            contentType = draw.pick([
                "application/json", "application/json", "application/json", "application/json",
                "application/json; charset=utf-8", "text/plain",
            ])
            if draw.chance(4) { contentType = nil }
        case 55..<70:
            method = "POST"
            let change = draw.chance(5) ? "bogus" : draw.pick(["read", "unread", "archive", "unarchive"])
            path = "/v1/users/\(user)/notifications/\(id)/\(change)"
        case 70..<74:
            method = "POST"
            path = "/v1/users/\(user)/seen"
        case 74..<80:
            method = "POST"
            path = "/v1/users/\(user)/notifications/read-all"
            if draw.chance(30) {
                body = draw.pick([#"{"type":"t1"}"#, #"{"tag":"a"}"#, "{}", #"{"type":1}"#])
                contentType = "application/json"
            }
        case 80..<88:
            method = "DELETE"
            path = "/v1/users/\(user)/notifications/\(id)"
        default:
            (method, path) = draw.pick([
                ("GET", "/healthz"), ("GET", "/v1/notifications"), ("PUT", "/v1/users/u1/counts"),
                ("POST", "/v1/users/u1/counts"), ("GET", "/v1/users/u1/counts/"), ("GET", "/v1/users/u1/Counts"),
                ("GET", "/v1/users//counts"), ("GET", "/v1/users/u%31/counts"), ("DELETE", "/v1/users/u1/seen"),
                ("GET", "/v1/users/u1/notifications/n1/read"), ("PATCH", "/v1/users/u1/notifications/n1"),
                ("GET", "/v1/users/u1/counts?x=1"), ("POST", "/v1/notifications/"),
            ])
        }
        if body == nil, method != "GET", draw.chance(8) {
            body = "{}"  // a body where the route takes none
            contentType = "application/json"
        }
        if body == nil, method == "GET", draw.chance(3) {
            body = "{}"
        }
        let http10 = draw.chance(5)
        var lines = ["\(method) \(path) HTTP/\(http10 ? "1.0" : "1.1")", "Host: t"]
        lines += authorization(&draw, credentials)
        if let contentType { lines.append("Content-Type: \(contentType)") }
        switch draw.next() % 100 {
        // HTTP/1.0 keeps its connection only when it asks: half of those requests do.
        case 0..<(http10 ? 50 : 10): lines.append(draw.chance(80) ? "Connection: keep-alive" : "Connection: Keep-Alive")
        case 10..<13: lines.append(draw.pick(["Connection: close", "Connection: Close", "Connection: close, TE"]))
        default: break
        }
        if draw.chance(5) { lines.append("Origin: http://example.test") }
        if draw.chance(20) { lines.append("Accept: */*") }
        if draw.chance(3) { lines.append("Last-Event-ID: 1") }
        guard let body else {
            if method != "GET", draw.chance(20) { lines.append("Content-Length: 0") }
            return lines.joined(separator: "\r\n") + "\r\n\r\n"
        }
        if draw.chance(5) {
            lines.append("Transfer-Encoding: chunked")
            let size = String(body.utf8.count, radix: 16)
            return lines.joined(separator: "\r\n") + "\r\n\r\n\(size)\r\n\(body)\r\n0\r\n\r\n"
        }
        if method == "POST", draw.chance(5) { lines.append("Expect: 100-continue") }
        lines.append("Content-Length: \(body.utf8.count)")
        return lines.joined(separator: "\r\n") + "\r\n\r\n" + body
    }

    /// A list's query: none, or parameters valid and not, plain and encoded, repeated or bare.
    static func query(_ draw: inout Draw) -> String {
        guard draw.chance(70) else { return "" }
        var parameters: [String] = []
        for _ in 0..<(1 + draw.next() % 3) {
            parameters.append(
                draw.pick([
                    "status=unread", "status=read", "status=all", "status=nope", "archived=true", "archived=false",
                    "archived=x", "limit=1", "limit=2", "limit=0", "limit=201", "limit=abc", "type=t1", "type=t2",
                    "tag=a", "tag=b", "cursor=bad", "cursor=", "other=1", "limit", "tag=a%20b", "type=t+1", "type=",
                    "tag=",
                ]))
        }
        if draw.chance(5) { parameters.append(parameters[0]) }
        return "?" + parameters.joined(separator: draw.chance(3) ? "&&" : "&")
    }

    /// A create's body: mostly valid (so that ids repeat: replays, conflicts), sometimes not.
    static func createBody(_ draw: inout Draw, user: String, id: String) -> String {
        let type = draw.pick(["t1", "t2"])
        let title = draw.pick(["A", "B"])
        let tags = draw.pick([#"[]"#, #"["a"]"#, #"["a","b"]"#])
        switch draw.next() % 100 {
        case 0..<80:
            return
                #"{"user":"\#(user)","id":"\#(id)","type":"\#(type)","title":"\#(title)","data":{"k":1},"tags":\#(tags)}"#
        case 80..<84: return #"{"user":"\#(user)","id":"\#(id)","title":"no type"}"#
        case 84..<88: return #"{"user":"\#(user)","id":"\#(id)","type":"\#(String(repeating: "x", count: 65))"}"#
        case 88..<92: return #"{"user":"\#(user)","id":"\#(id)","type":"t1","data":[1]}"#
        case 92..<96: return #"{"user":"\#(user)","id":"\#(id)","type":"t1","ttl_seconds":3600}"#
        default: return "{"
        }
    }

    /// The credential lines: mostly the API key, else a user token, a bad one, none, another
    /// scheme, two headers, a cookie.
    static func authorization(_ draw: inout Draw, _ credentials: Credentials) -> [String] {
        let key = HTTPHarness.apiKey
        switch draw.next() % 100 {
        case 0..<64: return ["Authorization: Bearer \(key)"]
        case 64..<76: return ["Authorization: Bearer \(credentials.token)"]
        case 76..<80: return ["Authorization: Bearer nope"]
        case 80..<84: return []
        case 84..<87: return ["Authorization: Basic eDp5"]
        case 87..<90: return ["Authorization: Bearer \(key)", "Authorization: Bearer \(key)"]
        case 90..<94: return ["authorization: bearer \(key)"]
        default: return ["Cookie: herald_token=\(credentials.token)"]
        }
    }

    /// The requests in groups, each group sent back to back on a connection of its own: mostly one
    /// request, sometimes a few pipelined.
    static func groups(seed: UInt64, count: Int, _ credentials: Credentials) -> [[String]] {
        var draw = Draw(seed: seed)
        var groups: [[String]] = []
        var drawn = 0
        while drawn < count {
            let size = draw.chance(25) ? 2 + Int(draw.next() % 3) : 1
            groups.append((0..<size).map { _ in request(&draw, credentials) })
            drawn += size
        }
        return groups
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func theSameRequestsGetTheSameAnswersWithAndWithoutTheFastPath(seed: UInt64) async throws {
        var runs: [[[String]]] = []
        var fastAnswered = 0
        var groups: [[String]] = []
        for fast in [true, false] {
            let harness = try await HTTPHarness(fastPath: fast)
            // The same token for both servers: they share the secret.
            if groups.isEmpty {
                groups = Self.groups(seed: seed, count: 250, Credentials(token: try await harness.token("u1")))
            }
            let before = harness.fastAnswers
            let sent = groups
            let answers = try await harness.app.test(.live) { client in
                let port = try #require(client.port)
                var answers: [[String]] = []
                for group in sent {
                    let responses = try await RawHTTP.exchange(
                        port: port, group.joined() + RawHTTP.closing, deadline: .seconds(20))
                    answers.append(responses.map(\.comparable))
                }
                return answers
            }
            if fast { fastAnswered = harness.fastAnswers - before }
            runs.append(answers)
            await harness.shutdown()
        }
        let requests = groups.joined().count
        // The draw exercises the fast path: a good share of the requests is answered there.
        #expect(fastAnswered >= requests / 4, "\(fastAnswered) of \(requests) answered on the event loop")
        for (index, group) in groups.enumerated() where runs[0][index] != runs[1][index] {
            Issue.record(
                """
                group \(index) answered differently:
                \(group.joined(separator: "\n---\n"))
                with the fast path:
                \(runs[0][index].joined(separator: "\n---\n"))
                without:
                \(runs[1][index].joined(separator: "\n---\n"))
                """)
            break
        }
        // Every JSON answer, from either path, success or error, says that no cache may keep it.
        let json = runs.joined().joined().filter { $0.contains("\nContent-Type: application/json") }
        #expect(json.count >= requests)
        #expect(
            json.allSatisfy {
                $0.contains("\nContent-Type: application/json; charset=utf-8\nCache-Control: no-store\n")
            })
        // Both servers answered every group, and most requests succeeded: the draw is not all errors.
        #expect(runs[0].count == groups.count && runs[1].count == groups.count)
        let successes = runs[0].joined().filter { $0.hasPrefix("2") && !$0.hasSuffix(#"{"status":"ok"}"#) }.count
        #expect(successes >= requests / 3, "\(successes) of \(requests) succeeded")
    }
}
