import Foundation
import HeraldCore
import HeraldTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import HeraldHTTP

/// Streams opened on the event loop (`FastPath`): the same head and opening as through
/// Hummingbird's stream route, for every request it takes and every one it leaves to Hummingbird.
@Suite(.timeLimit(.minutes(1)))
struct StreamFastPathTests {
    /// One stream request: its extra header lines, how many SSE blocks (the `retry` preamble
    /// first) to read before closing, and whether the fast path takes it.
    struct Opening {
        let path: String
        let headers: [String]
        let blocks: Int
        let fast: Bool
    }

    static func openings(token: String) -> [Opening] {
        let key = "Authorization: Bearer \(HTTPHarness.apiKey)"
        return [
            Opening(path: "/v1/users/u1/stream", headers: [key], blocks: 2, fast: true),
            Opening(path: "/v1/users/u1/stream?last_event_id=1", headers: [key], blocks: 3, fast: true),
            Opening(path: "/v1/users/u1/stream", headers: [key, "Last-Event-ID: 1"], blocks: 3, fast: true),
            // The header before the query; a position at the user's seq: no event at all.
            Opening(
                path: "/v1/users/u1/stream?last_event_id=0", headers: [key, "Last-Event-ID: 2"], blocks: 2, fast: true),
            Opening(path: "/v1/users/u1/stream", headers: [key, "Last-Event-ID: 3"], blocks: 1, fast: true),
            Opening(path: "/v1/users/u1/stream", headers: [key, "Last-Event-ID: 99"], blocks: 2, fast: true),
            Opening(path: "/v1/users/u1/stream", headers: [key, "Last-Event-ID: x"], blocks: 2, fast: true),
            Opening(path: "/v1/users/nobody/stream", headers: [key], blocks: 2, fast: true),
            // A user token in the query: verified by Hummingbird the first time, then known.
            Opening(path: "/v1/users/u1/stream?access_token=\(token)", headers: [], blocks: 2, fast: false),
            Opening(
                path: "/v1/users/u1/stream?access_token=\(token)&last_event_id=2", headers: [], blocks: 2, fast: true),
            // Left to Hummingbird: another user's stream, two positions (read as one joined by a
            // comma, as HTTP joins repeated lines: no position, so `reset`), a repeated or encoded
            // query, a cookie, another scheme, no credentials, a bad user id, two tokens.
            Opening(path: "/v1/users/u2/stream?access_token=\(token)", headers: [], blocks: 0, fast: false),
            Opening(
                path: "/v1/users/u1/stream", headers: [key, "Last-Event-ID: 1", "Last-Event-ID: 2"], blocks: 2,
                fast: false),
            Opening(
                path: "/v1/users/u1/stream?last_event_id=1&last_event_id=2", headers: [key], blocks: 2, fast: false),
            Opening(path: "/v1/users/u1/stream?last_event_id=%31", headers: [key], blocks: 3, fast: false),
            Opening(path: "/v1/users/u1/stream", headers: ["Cookie: herald_token=\(token)"], blocks: 2, fast: false),
            Opening(
                path: "/v1/users/u1/stream?access_token=\(token)", headers: ["Authorization: Basic eDp5"], blocks: 0,
                fast: false),
            Opening(path: "/v1/users/u1/stream", headers: [], blocks: 0, fast: false),
            Opening(path: "/v1/users/bad%20user/stream", headers: [key], blocks: 0, fast: false),
            Opening(
                path: "/v1/users/u1/stream?access_token=\(token)&access_token=\(token)", headers: [], blocks: 0,
                fast: false),
            // An API key only in the header: a URL is logged.
            Opening(
                path: "/v1/users/u1/stream?access_token=\(HTTPHarness.apiKey)", headers: [], blocks: 0, fast: false),
        ]
    }

    @Test func aFastStreamOpensAsHummingbirdsRouteOpensIt() async throws {
        var runs: [[String]] = []
        for fast in [true, false] {
            let harness = try await HTTPHarness(fastPath: fast)
            for id in ["a", "b", "c"] {
                _ = try await harness.services.service.create(try ServiceHarness.draft(user: "u1", id: id))
            }
            let token = try await harness.token("u1")
            runs.append(
                try await harness.app.test(.live) { client in
                    let port = try #require(client.port)
                    var answers: [String] = []
                    for opening in Self.openings(token: token) {
                        let before = harness.fastAnswers
                        let answer = try await Self.open(port: port, opening)
                        if fast && opening.fast { #expect(harness.fastAnswers == before + 1, "\(opening.path)") }
                        let request = opening.path + " " + opening.headers.joined(separator: " ")
                        answers.append(request.replacing(token, with: "TOKEN") + "\n" + answer)
                    }
                    return answers
                })
            await harness.shutdown()
        }
        #expect(runs[0] == runs[1])
        let answers = runs[0]
        #expect(answers[0].contains("200 OK\nContent-Type: text/event-stream\nCache-Control: no-cache\n"))
        #expect(
            answers[0].contains("Server: herald\ntransfer-encoding: chunked\n\nretry: 2000\n\nid: 3\nevent: counts\n"))
        #expect(answers[1].contains("id: 2\nevent: notification.created") && answers[1].contains("id: 3\n"))
        #expect(answers[3].contains("id: 3\nevent: notification.created") && !answers[3].contains("id: 2\n"))
        #expect(answers[4].hasSuffix("retry: 2000\n\n"))
        #expect(answers[5].contains("event: reset") && answers[6].contains("event: reset"))
        #expect(answers[9].contains("id: 3\nevent: notification.created"))
        #expect(answers[10].contains("403 Forbidden") && answers[16].contains("401 Unauthorized"))
        #expect(answers[11].contains("id: 3\nevent: reset") && answers[12].contains("id: 3\nevent: reset"))
        #expect(answers[13].contains("id: 2\nevent: notification.created"))
        #expect(
            answers[18].contains("401 Unauthorized") && answers[18].contains("access_token is given more than once"))
        #expect(
            answers[19].contains("401 Unauthorized")
                && answers[19].contains("an API key is accepted only in the Authorization header"))
    }

    /// Sends the opening's request on a new connection and reads its answer: the head (but its
    /// request id and date) and, for a stream, its first `blocks` SSE blocks unchunked; an error's
    /// body whole.
    static func open(port: Int, _ opening: Opening) async throws -> String {
        let request =
            (["GET \(opening.path) HTTP/1.1", "Host: t"] + opening.headers).joined(separator: "\r\n") + "\r\n\r\n"
        let channel = try await RawHTTP.connect(port: port)
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: request))
            var received = ""
            for try await chunk in inbound {
                received += String(buffer: chunk)
                if let answer = readable(received, blocks: opening.blocks) { return answer }
            }
            throw TestFailure("the connection closed after: \(received)")
        }
    }

    /// The answer once `received` holds all of it that is asked for; nil before.
    static func readable(_ received: String, blocks: Int) -> String? {
        guard let headEnd = received.range(of: "\r\n\r\n") else { return nil }
        let headLines = received[..<headEnd.lowerBound].split(separator: "\r\n")
            .filter { !$0.hasPrefix("X-Request-Id: ") && !$0.hasPrefix("Date: ") }
        let head = headLines.joined(separator: "\n") + "\n\n"
        var rest = received[headEnd.upperBound...]
        if let length = headLines.first(where: { $0.lowercased().hasPrefix("content-length: ") })
            .flatMap({ Int($0.split(separator: " ")[1]) })
        {
            return rest.utf8.count >= length ? head + rest : nil
        }
        var body = ""
        while let sizeEnd = rest.range(of: "\r\n"), let size = Int(rest[..<sizeEnd.lowerBound], radix: 16) {
            let data = rest[sizeEnd.upperBound...]
            guard data.utf8.count >= size + 2 else { break }
            let dataEnd = data.utf8.index(data.startIndex, offsetBy: size)
            body += data[..<dataEnd]
            rest = data[data.utf8.index(dataEnd, offsetBy: 2)...]
        }
        // A stream's first heartbeat comes at a random point of its interval (HeartbeatSchedule),
        // so a `: ping` can arrive with the opening in either run: left out.
        var parts = body.components(separatedBy: "\n\n")
        let unfinished = parts.removeLast()
        parts.removeAll { $0 == ": ping" }
        body = (parts + [unfinished]).joined(separator: "\n\n")
        guard parts.count >= blocks else { return nil }
        return head + body.replacing(#/"(\w+_at)":"[^"]*"/#, with: { "\"\($0.output.1)\":\"…\"" })
    }
}
