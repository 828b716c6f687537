import Foundation
import HeraldCore
import HeraldHTTP
import HeraldTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import Testing

@Suite(.timeLimit(.minutes(1)))
struct StreamTests {
    static let auth = ["Authorization": "Bearer \(HTTPHarness.apiKey)"]

    /// Opens a fresh stream of u1 and consumes its opening `counts` snapshot.
    func openFresh(_ port: Int) async throws -> SSEReader {
        let stream = try await SSEReader(port: port, path: "/v1/users/u1/stream", headers: Self.auth)
        #expect(try await stream.nextEvent()?.event == "counts")
        return stream
    }

    func create(_ client: some TestClientProtocol, _ id: String, user: String = "u1") async throws {
        let response = try await client.post(
            "/v1/notifications", json: #"{"user":"\#(user)","id":"\#(id)","type":"t"}"#)
        #expect(response.status == .created)
    }

    @Test func freshStreamStartsWithRetryThenCountsThenLiveEvents() async throws {
        let harness = try await HTTPHarness()
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            try await create(client, "a")
            let stream = try await SSEReader(port: port, path: "/v1/users/u1/stream", headers: Self.auth)
            #expect(stream.status == 200)
            #expect(stream.headers["content-type"] == "text/event-stream")
            #expect(stream.headers["cache-control"] == "no-cache")
            #expect(stream.headers["x-accel-buffering"] == "no")
            #expect(try await stream.next()?.retry == "2000")
            let counts = try #require(try await stream.nextEvent())
            #expect(counts.event == "counts")
            #expect(counts.id == "1")
            #expect(counts.json["user"] as? String == "u1")
            #expect(counts.json["unread"] as? Int == 1)

            try await create(client, "b")
            try await create(client, "other", user: "u2")  // another user's event never shows up here
            _ = try await client.post("/v1/users/u1/notifications/a/read", json: "")
            let created = try #require(try await stream.nextEvent())
            #expect(created.event == "notification.created")
            #expect(created.id == "2")
            #expect(created.json["unread"] as? Int == 2)
            #expect((created.json["notification"] as? [String: Any])?["id"] as? String == "b")
            let read = try #require(try await stream.nextEvent())
            #expect(read.event == "notification.read")
            #expect(read.id == "3")
            #expect(read.json["id"] as? String == "a")
            #expect(read.json["read_at"] is String)
            #expect(read.json["unread"] as? Int == 1 && read.json["unseen"] as? Int == 1)
            await stream.close()
        }
        await harness.shutdown()
    }

    /// A stream its client closes ends at once, counted as the client's ending (not only when a
    /// heartbeat, 15 s later, fails to write). Counted process-wide: other tests' streams may add.
    @Test func aStreamItsClientClosesEndsAtOnceAsTheClients() async throws {
        let harness = try await HTTPHarness()
        @Sendable func clientEnded() -> Int { harness.metric(#"herald_sse_streams_ended_total{reason="client"}"#) }
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            let stream = try await SSEReader(port: port, path: "/v1/users/u1/stream", headers: Self.auth)
            #expect(try await stream.nextEvent()?.event == "counts")
            let before = clientEnded()
            await stream.close()
            #expect(await ServiceHarness.eventually(seconds: 10) { clientEnded() > before })
        }
        await harness.shutdown()
    }

    @Test func resumeReplaysExactlyTheMissedEventsWithoutASnapshot() async throws {
        let harness = try await HTTPHarness()
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            for id in ["a", "b", "c", "d"] { try await create(client, id) }
            var headers = Self.auth
            headers["Last-Event-ID"] = "2"
            let resumed = try await SSEReader(port: port, path: "/v1/users/u1/stream", headers: headers)
            #expect(try await resumed.next()?.retry == "2000")
            #expect(try await resumed.nextEvent()?.id == "3")
            #expect(try await resumed.nextEvent()?.id == "4")
            try await create(client, "e")
            let live = try #require(try await resumed.nextEvent())
            #expect(live.id == "5" && live.event == "notification.created")
            await resumed.close()

            // Query parameter form, at the current seq: only live events follow.
            let current = try await SSEReader(
                port: port, path: "/v1/users/u1/stream?last_event_id=5", headers: Self.auth)
            try await create(client, "f")
            let next = try #require(try await current.nextEvent())
            #expect(next.id == "6" && next.event == "notification.created")
            await current.close()
        }
        await harness.shutdown()
    }

    @Test func unknownOrPrunedHistoryGetsAReset() async throws {
        let harness = try await HTTPHarness()
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            for id in ["a", "b", "c"] { try await create(client, id) }
            for lastID in ["99", "garbage", "-1"] {
                var headers = Self.auth
                headers["Last-Event-ID"] = lastID
                let stream = try await SSEReader(port: port, path: "/v1/users/u1/stream", headers: headers)
                let reset = try #require(try await stream.nextEvent())
                #expect(reset.event == "reset", "\(lastID)")
                #expect(reset.id == "3")
                #expect(reset.json["user"] as? String == "u1")
                #expect(reset.json["unread"] as? Int == 3)
                await stream.close()
            }
            _ = try await harness.services.store.pruneEvents(createdBefore: .now().adding(seconds: 10))
            var headers = Self.auth
            headers["Last-Event-ID"] = "1"
            let pruned = try await SSEReader(port: port, path: "/v1/users/u1/stream", headers: headers)
            #expect(try await pruned.nextEvent()?.event == "reset")
            try await create(client, "d")
            #expect(try await pruned.nextEvent()?.id == "4")
            await pruned.close()
        }
        await harness.shutdown()
    }

    @Test func heartbeatsArriveOnIdleStreams() async throws {
        let harness = try await HTTPHarness(heartbeatSeconds: 1)
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            let stream = try await openFresh(port)
            let ping = try await stream.next()
            #expect(ping?.comment == "ping")
            await stream.close()
        }
        await harness.shutdown()
    }

    /// Pings come a heartbeat apart, not more often: the hub sends one at its last tick (250 ms)
    /// before it is due, so each leaves at least 1.75 s after the one before, the first after the
    /// stream opened, and at most five arrive in its first 7 s (a 1 s heartbeat sends seven or
    /// more). Counted, not timed apart: on a loaded machine a ping read late and the next one read
    /// on time looked closer than they left (1.48 s in a mutation run, under the 1.5 s this test
    /// once required).
    @Test func heartbeatsComeAtTheConfiguredInterval() async throws {
        let harness = try await HTTPHarness(heartbeatSeconds: 2)
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            let opened = ContinuousClock.now
            let stream = try await openFresh(port)
            var pings = 0
            while let event = try await stream.next(), ContinuousClock.now - opened <= .seconds(7) {
                #expect(event.comment == "ping")
                pings += 1
            }
            #expect(pings >= 1 && pings <= 5, "\(pings)")
            await stream.close()
        }
        await harness.shutdown()
    }

    /// Through Hummingbird (the token not seen before) and through the fast path (known from a
    /// read before), a stream ends when its token expires.
    @Test(arguments: [false, true])
    func streamOpenedWithAUserTokenClosesWhenItExpires(tokenKnown: Bool) async throws {
        let harness = try await HTTPHarness()
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            // Minted once the server runs, for three seconds (its expiry rounded up to a whole
            // second: three to four): minted before the server started, or for two, it sometimes
            // expired before the stream opened when the whole test run kept the cores busy.
            let token = try await harness.token("u1", ttl: 3)
            if tokenKnown {
                #expect(try await client.get("/v1/users/u1/counts", credential: token).status == .ok)
            }
            let before = harness.fastAnswers
            let stream = try await SSEReader(
                port: port, path: "/v1/users/u1/stream?access_token=\(token)", headers: [:])
            if tokenKnown { #expect(harness.fastAnswers == before + 1) }
            #expect(stream.status == 200)
            #expect(try await stream.nextEvent()?.event == "counts")
            let started = Date()
            while try await stream.next() != nil {}
            #expect(Date().timeIntervalSince(started) < 5)
            await stream.close()
        }
        await harness.shutdown()
    }

    @Test func slowReaderGetsEveryEventInOrderFromTheLog() async throws {
        try await withOverflowedStream { _, client, stream in
            // The dropped events must come from the log, in order.
            var seqs: [Int] = []
            while seqs.count < 2700, let event = try await stream.nextEvent() {
                seqs.append(Int(event.id ?? "") ?? -1)
            }
            #expect(seqs == Array(1...2700))
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            let catchUps = HTTPHarness.metricValue("herald_stream_catchups_total", in: String(buffer: metrics.body))
            #expect((catchUps ?? 0) >= 1)
        }
    }

    /// Live events go straight out, none read back from the log. One the stream already sent (as
    /// one published while its opening read the log that held it) is dropped, neither sent twice
    /// nor taken for a gap, which would read the log again for nothing. An event that never
    /// reached the hub (committed beside the service, as a lost broker message would leave it)
    /// shows as a gap before the next live one, and the stream reads both from the log, in order.
    /// One test: `herald_stream_gaps_total` counts for the whole test process, so two tests of
    /// its changes running side by side would see each other's.
    @Test func liveEventsGoStraightOutRepeatsAreDroppedAndAGapIsReadFromTheLog() async throws {
        let harness = try await HTTPHarness()
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            func gaps() async throws -> Int? {
                let metrics = try await client.execute(uri: "/metrics", method: .get)
                return HTTPHarness.metricValue("herald_stream_gaps_total", in: String(buffer: metrics.body))
            }
            let stream = try await openFresh(port)
            let before = try #require(try await gaps())
            for id in ["a", "b", "c"] { try await create(client, id) }
            for seq in 1...3 { #expect(try await stream.nextEvent()?.id == "\(seq)") }
            #expect(try await gaps() == before)

            // Published again: the stream's last event, and one before it.
            let sent = try await harness.services.store.events(user: "u1", after: 0, limit: 10)
            #expect(sent.map(\.seq) == [1, 2, 3])
            harness.services.broker.publish([sent[2]])
            harness.services.broker.publish([sent[0]])

            _ = try await harness.services.store.create(
                [try ServiceHarness.draft(user: "u1", id: "unpublished")], defaultTTLSeconds: 600, now: .now())
            try await create(client, "e")
            let received = [try await stream.nextEvent(), try await stream.nextEvent()]
            #expect(received.map { $0?.id } == ["4", "5"])
            #expect(((received[0]?.json["notification"] as? [String: Any])?["id"] as? String) == "unpublished")
            #expect(try await gaps() == before + 1)
            await stream.close()
        }
        await harness.shutdown()
    }

    /// Runs `body` with a stream of u1 that read its opening event and nothing since, while three
    /// batches published 2,700 events of ~4 KB: far more than the socket buffers take, so the
    /// stream stopped being writable and its 4-event list (`streamBufferCapacity: 4`) overflowed.
    func withOverflowedStream(
        _ body: @Sendable (HTTPHarness, any TestClientProtocol, SSEReader) async throws -> Void
    ) async throws {
        let harness = try await HTTPHarness(streamBufferCapacity: 4)
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            let stream = try await SSEReader(port: port, path: "/v1/users/u1/stream", headers: Self.auth)
            #expect(try await stream.nextEvent()?.id == "0")
            let text = String(repeating: "b", count: 4000)
            for batchNumber in 0..<3 {
                let items = (0..<900).map {
                    #"{"user":"u1","id":"n\#(batchNumber)-\#($0)","type":"t","body":"\#(text)"}"#
                }
                let batch = try await client.post(
                    "/v1/notifications/batch", json: "{\"notifications\": [\(items.joined(separator: ","))]}")
                #expect(batch.status == .ok)
            }
            try await body(harness, client, stream)
            await stream.close()
        }
        await harness.shutdown()
    }

    @Test func slowReaderBehindTheRetainedHistoryGetsAResetThenLiveEvents() async throws {
        try await withOverflowedStream { harness, client, stream in
            // The log loses every event before the reader reads again: its catch-up finds a gap.
            #expect(try await harness.services.store.pruneEvents(createdBefore: .now().adding(seconds: 10)) == 2700)
            var seqs: [Int] = []
            var reset: SSEMessage?
            while reset == nil, let event = try await stream.nextEvent() {
                if event.event == "reset" { reset = event } else { seqs.append(Int(event.id ?? "") ?? -1) }
            }
            // What was written before the list overflowed arrives in order, then the reset at the
            // user's seq with the counts as of it, then live events.
            #expect(seqs.count < 2700)
            #expect(seqs == Array(1..<(seqs.count + 1)))
            let resetEvent = try #require(reset)
            #expect(resetEvent.id == "2700")
            #expect(resetEvent.json["unread"] as? Int == 2700)
            #expect(resetEvent.json["user"] as? String == "u1")
            try await create(client, "after")
            let next = try await stream.nextEvent()
            #expect(next?.id == "2701" && next?.event == "notification.created")
        }
    }

    @Test func shutdownEndsOpenStreamsCleanly() async throws {
        let harness = try await HTTPHarness()
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            let stream = try await openFresh(port)
            #expect(harness.hub.openStreams == 1)
            harness.hub.closeAll()
            while try await stream.next() != nil {}
            #expect(await ServiceHarness.eventually { harness.hub.openStreams == 0 })
            await stream.close()
        }
        await harness.shutdown()
    }

    @Test func serverShutdownEndsStreamsItNoLongerAnswersInATask() async throws {
        // Hummingbird's connection task ends once the stream owns the connection; the server's
        // graceful shutdown must still reach the stream, end it cleanly and then finish.
        let harness = try await HTTPHarness()
        let server = try await ClientTests.LiveServer(harness, port: 0)
        let stream = try await openFresh(server.port)
        #expect(server.hub.openStreams == 1)
        _ = try await harness.services.service.create(try ServiceHarness.draft(id: "a"))
        #expect(try await stream.nextEvent()?.event == "notification.created")
        await server.stop()
        while try await stream.next() != nil {}
        #expect(server.hub.openStreams == 0)
        await stream.close()
        await harness.shutdown()
    }

    @Test func clientDisconnectReleasesTheStream() async throws {
        let harness = try await HTTPHarness()
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            let stream = try await openFresh(port)
            #expect(harness.hub.openStreams == 1)
            await stream.close()
            #expect(await ServiceHarness.eventually { harness.hub.openStreams == 0 })
        }
        await harness.shutdown()
    }

    @Test func streamAfterAnotherRequestOnOneConnectionWithConnectionClose() async throws {
        let harness = try await HTTPHarness()
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            // Pipelined: a JSON request, then the stream with `Connection: close` (the server
            // closes its output after such a request, but the stream must keep writing).
            let received = try await RawHTTP.stream(
                port: port,
                "GET /healthz HTTP/1.1\r\nHost: herald\r\n\r\n"
                    + "GET /v1/users/u1/stream HTTP/1.1\r\nHost: herald\r\n"
                    + "Authorization: Bearer \(HTTPHarness.apiKey)\r\nConnection: close\r\n\r\n"
            ) {
                try await create(client, "a")
            } until: {
                $0.contains("event: notification.created")
            }
            let healthz = try #require(received.range(of: #"{"status":"ok"}"#))
            let streamHead = try #require(received.range(of: "Content-Type: text/event-stream"))
            #expect(healthz.upperBound <= streamHead.lowerBound)
            #expect(received.contains("id: 1\nevent: notification.created"))
        }
        await harness.shutdown()
    }

    /// HEAD answers every GET route's head without its body; on the stream it arms no stream, so
    /// the connection's next request is answered right after it.
    @Test func headAnswersTheHeadOfEveryGetRouteAndOpensNoStream() async throws {
        let harness = try await HTTPHarness()
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            let auth = "Authorization: Bearer \(HTTPHarness.apiKey)\r\n"
            let received = try await RawHTTP.received(
                port: port,
                "HEAD /v1/users/u1/stream HTTP/1.1\r\nHost: h\r\n\(auth)\r\n"
                    + "HEAD /v1/users/u1/counts HTTP/1.1\r\nHost: h\r\n\(auth)\r\n"
                    + "HEAD /healthz HTTP/1.1\r\nHost: h\r\n\r\n"
                    + "HEAD /v1/users/u1/stream HTTP/1.1\r\nHost: h\r\n\r\n"
                    + "GET /healthz HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
            let heads = received.components(separatedBy: "\r\n\r\n")
            #expect(heads.count == 6, "\(received)")
            #expect(heads[0].hasPrefix("HTTP/1.1 200 OK") && heads[0].contains("Content-Type: text/event-stream"))
            #expect(heads[1].hasPrefix("HTTP/1.1 200 OK") && heads[1].contains("Content-Length: 43"))
            #expect(heads[2].hasPrefix("HTTP/1.1 200 OK") && heads[2].contains("Content-Length: 15"))
            #expect(heads[3].hasPrefix("HTTP/1.1 401 Unauthorized"))
            #expect(heads[4].hasPrefix("HTTP/1.1 200 OK"))
            #expect(heads[5] == #"{"status":"ok"}"#)
            #expect(!received.contains("retry:"))
            #expect(harness.hub.openStreams == 0)
        }
        await harness.shutdown()
    }
}
