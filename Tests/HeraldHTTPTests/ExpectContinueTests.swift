import Foundation
import HummingbirdTesting
import NIOCore
import Testing

/// `Expect: 100-continue` gets `100 Continue` before the body is sent, with the fast path and
/// without it; an HTTP/1.0 request's expectation is ignored.
@Suite(.timeLimit(.minutes(1)))
struct ExpectContinueTests {
    private static let body = #"{"user":"c1","type":"t"}"#

    /// Sends `head`, reads until `first` arrives (the body still held back; nothing when nil), then
    /// sends the body and reads to the end of the connection; returns both readings.
    private func exchange(
        port: Int, head: String, readingUntil first: String?, then next: String = ""
    ) async throws -> (String, String) {
        let channel = try await RawHTTP.connect(port: port)
        return try await channel.executeThenClose { inbound, outbound in
            var iterator = inbound.makeAsyncIterator()
            try await outbound.write(ByteBuffer(string: head))
            var before = ""
            while let first, !before.contains(first), let chunk = try await iterator.next() {
                before += String(buffer: chunk)
            }
            try await outbound.write(ByteBuffer(string: Self.body + next))
            var after = ""
            while let chunk = try await iterator.next() { after += String(buffer: chunk) }
            return (before, after)
        }
    }

    private func head(version: String, keepAlive: Bool = false, expect: String = "Expect") -> String {
        "POST /v1/notifications HTTP/\(version)\r\nHost: h\r\nAuthorization: Bearer \(HTTPHarness.apiKey)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(Self.body.utf8.count)\r\n"
            + "\(expect): 100-Continue\r\n\(keepAlive ? "" : "Connection: close\r\n")\r\n"
    }

    /// A create on a kept-alive connection (as libcurl sends a body over 1 KiB) is one the fast
    /// path takes: the same interim and final answers, then the next request on the connection.
    @Test(arguments: [true, false])
    func aKeptAliveCreateThatAsksForContinueIsAnsweredAlike(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath)
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            let before = harness.fastAnswers
            let (interim, after) = try await exchange(
                port: port, head: head(version: "1.1", keepAlive: true), readingUntil: "\r\n\r\n",
                then: RawHTTP.closing)
            #expect(interim == "HTTP/1.1 100 Continue\r\n\r\n")
            #expect(after.hasPrefix("HTTP/1.1 201 Created\r\n"), "\(after)")
            #expect(after.contains(#""user":"c1""#) && after.contains("HTTP/1.1 200 OK\r\n"), "\(after)")
            if fastPath { #expect(harness.fastAnswers == before + 1) }
        }
        await harness.shutdown()
    }

    @Test(arguments: [true, false])
    func aBodyHeldBackForContinueIsAskedFor(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath)
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            let (before, after) = try await exchange(port: port, head: head(version: "1.1"), readingUntil: "\r\n\r\n")
            #expect(before == "HTTP/1.1 100 Continue\r\n\r\n")
            #expect(after.hasPrefix("HTTP/1.1 201 Created\r\n"), "\(after)")
            #expect(after.contains(#""user":"c1""#))
        }
        await harness.shutdown()
    }

    /// A declared length over a route's limit is `413` before any of the body is sent: over every
    /// route's limit (4 MiB) without `100 Continue` (curl sent a 5 MB batch whole first), over a
    /// create's 64 KiB after it, as a smaller body could go elsewhere.
    @Test(arguments: [true, false])
    func aBodyDeclaredTooLargeIsRefusedBeforeItIsSent(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath)
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            for (path, length, interim) in [
                ("/v1/notifications/batch", 5_000_000, false), ("/v1/notifications", 100_000, true),
                ("/v1/notifications", 5_000_000, false),
            ] {
                let head =
                    "POST \(path) HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer \(HTTPHarness.apiKey)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: \(length)\r\nExpect: 100-continue\r\n\r\n"
                let channel = try await RawHTTP.connect(port: port)
                let received = try await channel.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(string: head))
                    var received = ""
                    var iterator = inbound.makeAsyncIterator()
                    while !received.contains("too_large"), let chunk = try await iterator.next() {
                        received += String(buffer: chunk)
                    }
                    return received
                }
                let answer =
                    interim ? received.replacingOccurrences(of: "HTTP/1.1 100 Continue\r\n\r\n", with: "") : received
                #expect(received.contains("100 Continue") == interim, "\(path) \(length)")
                #expect(answer.hasPrefix("HTTP/1.1 413 "), "\(received)")
            }
        }
        await harness.shutdown()
    }

    /// A chunked body declares no length: it is refused once what arrived passes the route's limit
    /// (a create's 64 KiB, a batch's 4 MiB, 16 KiB for the other routes).
    @Test(arguments: [true, false])
    func aChunkedBodyOverItsRoutesLimitIs413(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath)
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            for (path, size) in [
                ("/v1/notifications", 70_000), ("/v1/notifications/batch", 4_300_000),
                ("/v1/users/u1/notifications/read-all", 17_000),
            ] {
                let json = #"{"user":"u1","type":"\#(String(repeating: "x", count: size))"}"#
                let request =
                    "POST \(path) HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer \(HTTPHarness.apiKey)\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "\(String(json.utf8.count, radix: 16))\r\n\(json)\r\n0\r\n\r\n"
                let received = try await RawHTTP.received(port: port, request + RawHTTP.closing)
                #expect(received.hasPrefix("HTTP/1.1 413 "), "\(path): \(received.prefix(200))")
                #expect(received.contains(#""code":"too_large""#), "\(path)")
            }
        }
        await harness.shutdown()
    }

    /// Only the `Expect` header asks: `100-continue` in another of six letters is not an
    /// expectation, with the fast path and without.
    @Test(arguments: [true, false])
    func onlyAnExpectHeaderAsksForContinue(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath)
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            let (before, after) = try await exchange(
                port: port, head: head(version: "1.1", expect: "X-Note"), readingUntil: nil)
            #expect((before + after).hasPrefix("HTTP/1.1 201 Created\r\n"), "\(before + after)")
            #expect(!(before + after).contains("100 Continue"))
        }
        await harness.shutdown()
    }

    @Test func anHTTP10RequestGetsNoInterimAnswer() async throws {
        let harness = try await HTTPHarness()
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            // Nothing is awaited before the body: the whole answer is its final one.
            let (before, after) = try await exchange(port: port, head: head(version: "1.0"), readingUntil: nil)
            #expect((before + after).hasPrefix("HTTP/1.1 201 Created\r\n"), "\(before + after)")
            #expect(!(before + after).contains("100 Continue"))
        }
        await harness.shutdown()
    }
}
