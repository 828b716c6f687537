import NIOCore
import NIOPosix
import Testing

@testable import herald_bench

/// The load generator's SSE subscriber against a real socket: a stream's head, then events in
/// chunks that arrive in fragments.
struct SSESubscriberTests {
    func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<500 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
    }

    @Test func eventsOfTheWantedNameAreTimedFromTheirToken() async throws {
        let sent = BenchClock.now() - 5_000_000
        let events = [
            "event: notification.created\ndata: {\"title\":\"bt:run1:\(sent):7\"}\n\n",
            "event: counts\ndata: {\"title\":\"bt:run1:\(sent):8\"}\n\n",
            ": keep-alive\n\nevent: notification.created\ndata: no token here\n\n",
            "event: notification.created\ndata: {\"title\":\"bt:run1:\(sent):9\"}\n\n",
        ]
        // Chunks of 20 bytes cut through lines and tokens.
        let stream = Array(events.joined().utf8)
        let chunks = stride(from: 0, to: stream.count, by: 20).map { start in
            let chunk = stream[start..<min(start + 20, stream.count)]
            return String(chunk.count, radix: 16) + "\r\n" + String(decoding: chunk, as: UTF8.self) + "\r\n"
        }.joined()
        try await CannedServer.serving(
            [
                "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks
            ]
        ) { server, group in
            let log = DeliveryLog(run: "run1", eventName: "notification.created", trace: DeliveryTrace())
            let subscriber = try await SSESubscriber.open(
                host: "127.0.0.1", port: server.port, path: "/v1/users/u1/stream",
                headers: [("Authorization", "Bearer k")],
                log: log, group: group)
            try await waitUntil { log.latencies.count == 2 }
            #expect(log.connected.value == 1)
            #expect(log.latencies.count == 2)
            #expect(log.latencies.summary().p50 >= 5)
            // The trace holds the same two deliveries, timed from their tokens' time.
            let lines = try #require(log.trace).lines(since: sent).split(separator: "\n")
            #expect(lines.count == 2)
            for line in lines {
                let fields = line.split(separator: " ")
                #expect(fields.count == 3)
                #expect(fields.first == "0")
                #expect((Int(fields[1]) ?? 0) >= 5_000)
                #expect(fields.last == "-")  // no publisher of this process sent it
            }
            #expect(
                try await server.requests() == [
                    "GET /v1/users/u1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                        + "Authorization: Bearer k\r\n\r\n"
                ])
            try await subscriber.close()
        }
    }

    /// The `opens` load waits for a stream's head and first events: a countdown counts the events
    /// with data (not comments, not the `retry` preamble) and fails when the stream ends before them.
    @Test func aCountdownCompletesAfterTheWantedEventsAndFailsOnAnEarlyEnd() async throws {
        let body = "retry: 2000\n\n: ping\n\nid: 5\nevent: counts\ndata: {}\n\nid: 6\ndata: {}\n\n"
        let response =
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
            + String(body.utf8.count, radix: 16) + "\r\n" + body + "\r\n"
        try await CannedServer.serving([response]) { server, group in
            let log = DeliveryLog(run: "opens", eventName: nil)
            let countdown = EventCountdown(events: 2, on: group.next(), deadline: 60)
            let stream = try await SSESubscriber.open(
                host: "127.0.0.1", port: server.port, path: "/s", headers: [], log: log, group: group,
                countdown: countdown)
            try await countdown.futureResult.get()
            try await stream.close()
        }
        try await CannedServer.serving([response + "0\r\n\r\n"]) { server, group in
            let log = DeliveryLog(run: "opens", eventName: nil)
            let countdown = EventCountdown(events: 3, on: group.next(), deadline: 60)
            _ = try await SSESubscriber.open(
                host: "127.0.0.1", port: server.port, path: "/s", headers: [], log: log, group: group,
                countdown: countdown)
            await #expect(throws: BenchError.self) { try await countdown.futureResult.get() }
        }
        // No events wanted: the 200 head is enough; a refusal is not.
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        for (response, opens) in [(head, true), ("HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\n\r\n{}", false)] {
            try await CannedServer.serving([response]) { server, group in
                let countdown = EventCountdown(events: 0, on: group.next(), deadline: 60)
                let stream = try await SSESubscriber.open(
                    host: "127.0.0.1", port: server.port, path: "/s", headers: [],
                    log: DeliveryLog(run: "opens", eventName: nil), group: group, countdown: countdown)
                if opens {
                    try await countdown.futureResult.get()
                } else {
                    await #expect(throws: BenchError.self) { try await countdown.futureResult.get() }
                }
                try? await stream.close()
            }
        }
    }

    @Test func aRefusedStreamIsClosedUncounted() async throws {
        try await CannedServer.serving(
            [
                "HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\n\r\n{}"
            ]
        ) { server, group in
            let log = DeliveryLog(run: "run1", eventName: nil)
            let stream = try await SSESubscriber.open(
                host: "127.0.0.1", port: server.port, path: "/s", headers: [], log: log, group: group)
            try await stream.closeFuture.get()
            #expect(log.connected.value == 0)
            #expect(log.dropped.value == 1)
        }
    }
}
