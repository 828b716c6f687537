import Foundation
import HeraldClient
import HeraldCore
import HeraldHTTP
import HeraldTestSupport
import Hummingbird
import Logging
import ServiceLifecycle
import Testing

/// `HeraldAPIClient` (behind `herald send|counts|tail`) against live servers.
@Suite(.timeLimit(.minutes(1)))
struct ClientTests {
    /// One HTTP server over an existing service, on a given port (0: any), started and stopped by hand.
    final class LiveServer: Sendable {
        let hub = StreamHub()
        let group: ServiceGroup
        let running: Task<Void, any Error>
        let listening: BrokerListening
        let ticker: Task<Void, Never>
        let port: Int

        init(_ harness: HTTPHarness, port: Int) async throws {
            let routes = HeraldRoutes(
                service: harness.services.service, auth: harness.auth, hub: hub,
                metrics: HeraldMetrics(registry: harness.registry), settings: HeraldServerSettings())
            let (bound, boundContinuation) = AsyncStream.makeStream(of: Int.self)
            let app = Application(
                responder: try routes.responder(), server: routes.server(serverName: nil),
                configuration: .init(address: .hostname("127.0.0.1", port: port)),
                onServerRunning: { channel in
                    boundContinuation.yield(channel.localAddress?.port ?? 0)
                    boundContinuation.finish()
                })
            group = ServiceGroup(
                configuration: .init(services: [app], gracefulShutdownSignals: [], logger: Logger(label: "test")))
            let group = self.group
            running = Task {
                do {
                    try await group.run()
                } catch {
                    boundContinuation.finish()  // could not start (port taken): fail instead of waiting
                    throw error
                }
            }
            let hub = self.hub
            listening = hub.listen(to: harness.services.broker)
            ticker = Task { await hub.runTicker() }
            var iterator = bound.makeAsyncIterator()
            guard let bound = await iterator.next() else {
                throw TestFailure("the server did not start on port \(port): \(await running.result)")
            }
            self.port = bound
        }

        /// Starts a server on `port`, retrying for a few seconds while the port is still held (a
        /// previous server's socket closing).
        static func start(_ harness: HTTPHarness, port: Int) async throws -> LiveServer {
            var attempts = 0
            while true {
                do {
                    return try await LiveServer(harness, port: port)
                } catch {
                    attempts += 1
                    if attempts >= 50 { throw error }
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
        }

        /// Shuts the server down gracefully, as a restart does: the listener closes first, then the
        /// shutdown ends every open stream. (Ending the streams first would let a client that
        /// reconnects quickly reach the stopping server once more.)
        func stop() async {
            await group.triggerGracefulShutdown()
            _ = await running.result
            listening.cancel()
            ticker.cancel()
        }
    }

    @Test func sendAndCountsSpeakTheAPI() async throws {
        let harness = try await HTTPHarness()
        let server = try await LiveServer(harness, port: 0)
        let client = HeraldAPIClient(baseURL: "http://127.0.0.1:\(server.port)/", credential: HTTPHarness.apiKey)
        let answer = try await client.send(["user": "u1", "type": "t", "title": "hi", "tags": ["a"], "data": ["k": 1]])
        #expect((answer["notification"] as? [String: Any])?["title"] as? String == "hi")
        let counts = try await client.counts(user: "u1")
        #expect(counts["unread"] as? Int == 1 && counts["seq"] as? Int == 1)
        await #expect(throws: HeraldClientError.self) { try await client.send(["user": "u1"]) }
        do {
            _ = try await client.counts(user: "bad user")
            Issue.record("expected invalid_id")
        } catch {
            #expect(error.code == "invalid_id" && error.status == 400)
        }
        let token = try await harness.token("u1")
        let asUser = HeraldAPIClient(baseURL: "http://127.0.0.1:\(server.port)", credential: token)
        #expect(try await asUser.counts(user: "u1")["unread"] as? Int == 1)
        let revoked = try await client.revokeTokens(user: "u1")
        #expect(revoked["user"] as? String == "u1" && revoked["streams_ended"] as? Int == 0)
        #expect((revoked["revoked_before"] as? String)?.hasSuffix(".000Z") == true)
        await #expect(throws: HeraldClientError.self) { try await asUser.counts(user: "u1") }
        let wrongKey = HeraldAPIClient(baseURL: "http://127.0.0.1:\(server.port)", credential: "wrong")
        do {
            _ = try await wrongKey.counts(user: "u1")
            Issue.record("expected unauthorized")
        } catch {
            #expect(error.code == "unauthorized" && error.status == 401)
        }
        await server.stop()
        await harness.shutdown()
    }

    /// Following stops, throwing, when trying again cannot help (refused credentials, a bad user
    /// id, a URL that names no stream), after saying so once; a refused connection is tried again.
    @Test func followGivesUpOnlyWhenTryingAgainCannotHelp() async throws {
        let harness = try await HTTPHarness()
        let server = try await LiveServer(harness, port: 0)
        let base = "http://127.0.0.1:\(server.port)"
        for (url, credential, user, status) in [
            (base, "wrong", "u1", 401), (base, HTTPHarness.apiKey, "bad user", 400),
            ("\(base)/herald", HTTPHarness.apiKey, "u1", 404),
        ] {
            let failures = LockedBox(0)
            do {
                try await HeraldAPIClient(baseURL: url, credential: credential).follow(
                    user: user, onState: { state in if case .failed = state { failures.value += 1 } },
                    onEvent: { _ in })
                Issue.record("follow returned")
            } catch {
                #expect(error.status == status && error.endsFollowing)
            }
            #expect(failures.value == 1)
        }
        await server.stop()
        await harness.shutdown()
        #expect(!HeraldClientError(code: "unreachable", message: "refused").endsFollowing)
        #expect(!HeraldClientError(code: "unavailable", message: "down", status: 503).endsFollowing)
        #expect(!HeraldClientError(code: "too_many_streams", message: "limit", status: 429).endsFollowing)
        #expect(!HeraldClientError(code: "request_timeout", message: "slow", status: 408).endsFollowing)
    }

    @Test func followResumesAcrossAServerRestartWithoutGapsOrRepeats() async throws {
        let harness = try await HTTPHarness()
        // Below the kernel's ephemeral range (32768+), so no other test's server or client connection
        // takes the port while the server is down.
        let port = Int.random(in: 20_000..<30_000)
        let first = try await LiveServer.start(harness, port: port)
        let client = HeraldAPIClient(baseURL: "http://127.0.0.1:\(port)", credential: HTTPHarness.apiKey)
        let received = LockedBox<[SSEEvent]>([])
        let connections = LockedBox(0)
        let follower = Task {
            try await client.follow(
                user: "u1", maximumBackoff: .milliseconds(250),
                onState: { state in if case .connected = state { connections.value += 1 } },
                onEvent: { event in received.value.append(event) })
        }
        #expect(await ServiceHarness.eventually { received.value.count == 1 })  // the counts snapshot
        _ = try await client.send(["user": "u1", "id": "a", "type": "t"])
        #expect(await ServiceHarness.eventually { received.value.count == 2 })  // counts, then a

        await first.stop()
        // Committed while no server runs: only the resume can deliver it.
        _ = try await harness.services.service.create(ServiceHarness.draft(id: "b"))
        let second = try await LiveServer.start(harness, port: port)
        #expect(await ServiceHarness.eventually(seconds: 20) { received.value.count == 3 })
        _ = try await client.send(["user": "u1", "id": "c", "type": "t"])
        #expect(await ServiceHarness.eventually { received.value.count == 4 })

        let events = received.value
        #expect(
            events.map(\.event) == ["counts", "notification.created", "notification.created", "notification.created"])
        #expect(events.map(\.id) == ["0", "1", "2", "3"])
        #expect(connections.value == 2)
        follower.cancel()
        await second.stop()
        await harness.shutdown()
    }
}
