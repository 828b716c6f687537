import Foundation
import HTTPTypes
import HeraldCore
import HeraldTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HeraldHTTP

/// Single-notification reads answered on the event loop (`FastPath`) when the notification cache
/// holds the entry: the same answers as through Hummingbird, never a stale one.
@Suite(.timeLimit(.minutes(1)))
struct NotificationReadFastPathTests {
    /// The first read misses and fills the cache through Hummingbird; the next ones are hits,
    /// answered on the event loop. A change drops the entry, so the read after it goes through
    /// Hummingbird again and shows the change. Everything but the request id and the date must be
    /// what a server without the fast path answers.
    @Test func aFastAnswerIsTheAnswerHummingbirdGives() async throws {
        var runs: [[String]] = []
        for fast in [true, false] {
            let harness = try await HTTPHarness(fastPath: fast)
            _ = try await harness.services.service.create(
                try ServiceHarness.draft(user: "nell", id: "n1", tags: ["a", "b"]))
            runs.append(
                try await harness.app.test(.live) { client in
                    var answers: [String] = []
                    for step in 0..<6 {
                        if step == 3 {
                            let read = try await client.execute(
                                uri: "/v1/users/nell/notifications/n1/read", method: .post, headers: .bearer())
                            #expect(read.status == .ok)
                        }
                        let before = harness.fastAnswers
                        let response = try await client.get("/v1/users/nell/notifications/n1")
                        #expect(response.status == .ok)
                        answers.append(
                            ([String(buffer: response.body)]
                                + response.headers.filter { ![.date, .init("X-Request-Id")!].contains($0.name) }
                                .map { "\($0.name): \($0.value)" }).joined(separator: "\n"))
                        // Hits: the two reads after the first, and the two after the first since the change.
                        if fast, [1, 2, 4, 5].contains(step) { #expect(harness.fastAnswers == before + 1) }
                    }
                    return answers
                })
            await harness.shutdown()
        }
        for answers in runs {
            #expect(answers[0] != answers[3])
            #expect(answers == [answers[0], answers[0], answers[0], answers[3], answers[3], answers[3]])
        }
        // The two servers' notifications differ only in their instants.
        let instant = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/
        #expect(runs[0].map { $0.replacing(instant, with: "T") } == runs[1].map { $0.replacing(instant, with: "T") })
        let answers = runs[0].map { $0.components(separatedBy: "\n") }
        let json = try #require(try JSONSerialization.jsonObject(with: Data(answers[0][0].utf8)) as? [String: Any])
        #expect(json["id"] as? String == "n1")
        #expect(json["read_at"] is NSNull)
        let afterChange = try #require(
            try JSONSerialization.jsonObject(with: Data(answers[3][0].utf8)) as? [String: Any])
        #expect(afterChange["read_at"] is String)
        #expect(answers[0].contains("Server: herald"))
        #expect(answers[0].contains("Content-Type: application/json; charset=utf-8"))
    }

    /// Reads the cache cannot answer, or the fast path does not take, get Hummingbird's answers:
    /// an unknown id (404), another user's notification under a user token (403), `read-all`
    /// (a `POST` route), a deleted notification, and an id in an encoded form.
    @Test func readsLeftToHummingbirdKeepTheirAnswers() async throws {
        let harness = try await HTTPHarness()
        let service = harness.services.service
        _ = try await service.create(try ServiceHarness.draft(user: "ola", id: "n1"))
        _ = try await service.create(try ServiceHarness.draft(user: "ola", id: "gone"))
        _ = try await service.create(try ServiceHarness.draft(user: "pim", id: "n1"))
        let token = try await harness.token("ola")
        try await harness.app.test(.live) { client in
            for (user, id) in [("ola", "n1"), ("ola", "gone"), ("pim", "n1")] {
                let uri = "/v1/users/\(user)/notifications/\(id)"
                #expect(try await client.get(uri).status == .ok)  // cached from here on
            }
            #expect(try await client.get("/v1/users/ola/notifications/n1", credential: token).status == .ok)
            _ = try await service.delete(user: "ola", id: "gone")
            for _ in 0..<2 {
                let unknown = try await client.get("/v1/users/ola/notifications/nope")
                #expect(unknown.status == .notFound)
                #expect(try unknown.errorCode() == "not_found")
                let deleted = try await client.get("/v1/users/ola/notifications/gone")
                #expect(deleted.status == .notFound)
                let foreign = try await client.get("/v1/users/pim/notifications/n1", credential: token)
                #expect(foreign.status == .forbidden)
                #expect(try foreign.errorCode() == "forbidden")
                let readAll = try await client.get("/v1/users/ola/notifications/read-all")
                #expect(readAll.status == .methodNotAllowed)
                let encoded = try await client.get("/v1/users/ola/notifications/%6E1")
                #expect(encoded.status == .ok)
                #expect(try encoded.json()["id"] as? String == "n1")
                let query = try await client.get("/v1/users/ola/notifications/n1?x=1")
                #expect(try query.json()["id"] as? String == "n1")
                let head = try await client.execute(
                    uri: "/v1/users/ola/notifications/n1", method: .head, headers: .bearer())
                #expect(head.status == .ok)
                #expect(head.body.readableBytes == 0)
            }
        }
        await harness.shutdown()
    }

    /// An entry that expired in the cache is never answered: the read goes to Hummingbird, which
    /// answers 404 as for any expired notification.
    @Test func anExpiredEntryIsNotAnswered() async throws {
        let harness = try await HTTPHarness()
        let created = try await harness.services.service.create(
            try ServiceHarness.draft(user: "exa", id: "n1", ttl: 5))
        guard case .created(let change) = created else {
            Issue.record("expected created")
            return
        }
        try await harness.app.test(.live) { client in
            #expect(try await client.get("/v1/users/exa/notifications/n1").status == .ok)  // cached
            // Until just past its expiry, measured from the notification's own instant, so that a
            // slow machine can only shorten the wait, never read it before it expired.
            let left = change.notification.expiresAt.milliseconds - Timestamp.now().milliseconds
            try await Task.sleep(for: .milliseconds(max(0, left) + 100))
            let expired = try await client.get("/v1/users/exa/notifications/n1")
            #expect(expired.status == .notFound)
            #expect(try expired.errorCode() == "not_found")
        }
        await harness.shutdown()
    }

    /// With memcached gone, every read comes from the store; once the cache is marked down (the
    /// change's update of it failed), the fast path reads the store itself, and its answers, a 404
    /// included, are the ones a server without the fast path gives.
    @Test func withMemcachedDownReadsComeFromTheStore() async throws {
        var runs: [[String]] = []
        for fast in [true, false] {
            let harness = try await HTTPHarness(fastPath: fast)
            let service = harness.services.service
            _ = try await service.create(try ServiceHarness.draft(user: "mem", id: "n1"))
            runs.append(
                try await harness.app.test(.live) { client in
                    #expect(try await client.get("/v1/users/mem/notifications/n1").status == .ok)  // cached
                    harness.services.memcached.kill()
                    _ = try await service.change(.read, user: "mem", id: "n1")
                    // The change's failed update marks the cache down (on the cache's thread).
                    #expect(await ServiceHarness.eventually { service.notificationCache?.status == .down })
                    var answers: [String] = []
                    for id in ["n1", "n1", "unknown"] {
                        let before = harness.fastAnswers
                        let response = try await client.get("/v1/users/mem/notifications/\(id)")
                        if fast { #expect(harness.fastAnswers == before + 1, "\(id) \(answers.count)") }
                        answers.append(
                            ([String(response.status.code), String(buffer: response.body)]
                                + response.headers.filter { ![.date, .init("X-Request-Id")!].contains($0.name) }
                                .map { "\($0.name): \($0.value)" }).joined(separator: "\n"))
                    }
                    return answers
                })
            await harness.shutdown()
        }
        let instant = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/
        #expect(runs[0].map { $0.replacing(instant, with: "T") } == runs[1].map { $0.replacing(instant, with: "T") })
        #expect(runs[0][0].hasPrefix("200\n") && runs[0][0].contains(#""read_at":"20"#))
        #expect(runs[0][2].hasPrefix("404\n") && runs[0][2].contains(#""code":"not_found""#))
    }
}
