import Foundation
import HTTPTypes
import HeraldCore
import HeraldTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HeraldHTTP

/// Lists answered on the event loop (`FastPath`): the same answers as through Hummingbird, for
/// every query it takes and every one it leaves to Hummingbird.
@Suite(.timeLimit(.minutes(1)))
struct ListFastPathTests {
    /// The URIs asked for, after five notifications of `lea` (one read, one archived, types and
    /// tags apart) and one of `max`; and whether the fast path takes each.
    static let uris: [(uri: String, fast: Bool)] = [
        ("/v1/users/lea/notifications", true),
        ("/v1/users/lea/notifications?limit=2", true),
        ("/v1/users/lea/notifications?status=unread&limit=1", true),
        ("/v1/users/lea/notifications?status=read", true),
        ("/v1/users/lea/notifications?archived=true", true),
        ("/v1/users/lea/notifications?type=t.two&tag=x", true),
        ("/v1/users/lea/notifications?cursor=&limit=200&other=1", true),
        ("/v1/users/max/notifications", true),
        ("/v1/users/nobody/notifications", true),
        // Left to Hummingbird: invalid, encoded, repeated or bare parameters, an empty query.
        ("/v1/users/lea/notifications?limit=0", false),
        ("/v1/users/lea/notifications?status=nope", false),
        ("/v1/users/lea/notifications?cursor=bad", false),
        ("/v1/users/lea/notifications?tag=x%20y", false),
        ("/v1/users/lea/notifications?type=t+two", false),
        ("/v1/users/lea/notifications?limit=1&limit=2", false),
        ("/v1/users/lea/notifications?limit", false),
        ("/v1/users/lea/notifications?", false),
        ("/v1/users/lea/notifications?limit=1&&status=all", false),
        ("/v1/users/bad%20user/notifications", false),
    ]

    @Test func aFastListIsTheListHummingbirdGives() async throws {
        var runs: [[String]] = []
        for fast in [true, false] {
            let harness = try await HTTPHarness(fastPath: fast)
            let service = harness.services.service
            for (index, type) in ["t.one", "t.two", "t.one", "t.two", "t.one"].enumerated() {
                _ = try await service.create(
                    try NotificationDraft(
                        user: "lea", id: "n\(index)", type: type, title: "Title \"\(index)\"", body: nil,
                        data: index == 1 ? ["k": .array([.int(1), .string("é")])] : [:],
                        tags: index % 2 == 1 ? ["x"] : [], ttlSeconds: 600))
            }
            _ = try await service.create(try ServiceHarness.draft(user: "max", id: "m0"))
            _ = try await service.change(.read, user: "lea", id: "n2")
            _ = try await service.change(.archive, user: "lea", id: "n3")
            runs.append(
                try await harness.app.test(.live) { client in
                    var answers: [String] = []
                    for (uri, takes) in Self.uris {
                        let before = harness.fastAnswers
                        let response = try await client.get(uri)
                        if fast && takes { #expect(harness.fastAnswers == before + 1, "\(uri)") }
                        answers.append(
                            ([uri, "\(response.status.code)", String(buffer: response.body)]
                                + response.headers.filter { ![.date, .init("X-Request-Id")!].contains($0.name) }
                                .map { "\($0.name): \($0.value)" }).joined(separator: "\n"))
                    }
                    // The next page, by the cursor of the first.
                    let first = try await client.get("/v1/users/lea/notifications?limit=2")
                    let cursor = try #require(
                        (try JSONSerialization.jsonObject(with: Data(buffer: first.body)) as? [String: Any])?[
                            "next_cursor"] as? String)
                    let before = harness.fastAnswers
                    let next = try await client.get("/v1/users/lea/notifications?limit=2&cursor=\(cursor)")
                    if fast { #expect(harness.fastAnswers == before + 1) }
                    answers.append(String(buffer: next.body))
                    return answers
                })
            await harness.shutdown()
        }
        // The two servers' notifications differ only in their instants.
        let instant = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/
        #expect(runs[0].map { $0.replacing(instant, with: "T") } == runs[1].map { $0.replacing(instant, with: "T") })
        let answers = runs[0]
        #expect(answers[0].contains("Content-Type: application/json; charset=utf-8"))
        #expect(answers[0].contains(#""id":"n4""#) && !answers[0].contains(#""id":"n3""#))  // archived: not listed
        #expect(answers[5].contains(#""id":"n1""#) && answers[5].contains(#""data":{"k":[1,"é"]}"#))
        #expect(answers[9].hasPrefix("/v1/users/lea/notifications?limit=0\n400\n"))
        // Newest first, archived left out: n4 and n2 on the first page, n1 and n0 on the next.
        #expect(answers.last?.contains(#""id":"n1""#) == true && answers.last?.contains(#""id":"n4""#) == false)
    }

    /// Another user's list under a user token is Hummingbird's 403; the token's own user's is a
    /// fast answer once the token is known (its first use goes to Hummingbird, which verifies the
    /// signature).
    @Test func aUserTokenListsOnlyItsOwnUser() async throws {
        let harness = try await HTTPHarness()
        _ = try await harness.services.service.create(try ServiceHarness.draft(user: "ola", id: "n1"))
        let token = try await harness.token("ola")
        try await harness.app.test(.live) { client in
            let first = try await client.get("/v1/users/ola/notifications", credential: token)
            #expect(first.status == .ok && String(buffer: first.body).contains(#""id":"n1""#))
            #expect(harness.fastAnswers == 0)
            let own = try await client.get("/v1/users/ola/notifications", credential: token)
            #expect(own.status == .ok && String(buffer: own.body) == String(buffer: first.body))
            #expect(harness.fastAnswers == 1)
            // The process's metric counts it too (with every other server's in this process).
            let metrics = String(decoding: harness.registry.emitToBuffer(), as: UTF8.self)
            #expect((HTTPHarness.metricValue("herald_http_fast_answers_total", in: metrics) ?? 0) >= 1)
            let other = try await client.get("/v1/users/pim/notifications", credential: token)
            #expect(other.status == .forbidden)
        }
        await harness.shutdown()
    }

    @Test func plainQueriesAreThoseThatNeedNoDecoding() {
        #expect(FastPath.plainQueryParameters(nil) == [:])
        #expect(
            FastPath.plainQueryParameters("limit=5&cursor=cDo5&tag=a.b_c-d~e:f@g,h") == [
                "limit": "5", "cursor": "cDo5", "tag": "a.b_c-d~e:f@g,h",
            ])
        #expect(FastPath.plainQueryParameters("type=") == ["type": ""])
        for query in ["", "a", "a=1&", "&a=1", "a=1&&b=2", "a=1&a=2", "=1", "a=b=c", "a=%20", "a=b+c", "a=b c", "a=é"] {
            #expect(FastPath.plainQueryParameters(query[...]) == nil, "\(query)")
        }
    }
}
