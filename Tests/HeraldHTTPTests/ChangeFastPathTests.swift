import Foundation
import HeraldCore
import HeraldTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HeraldHTTP

/// State changes (`POST /v1/users/{user}/notifications/{id}/{change}`) answered on the event loop
/// (`FastPath`): every outcome answered as Hummingbird answers it, each answer after the commit,
/// the event's publication and the caches' update.
@Suite(.timeLimit(.minutes(1)))
struct ChangeFastPathTests {
    private static let key = HTTPHarness.apiKey

    private static func change(
        _ user: String, _ id: String, _ change: String, credential: String = key, headers: String = "",
        query: String = "", body: String = ""
    ) -> String {
        "POST /v1/users/\(user)/notifications/\(id)/\(change)\(query) HTTP/1.1\r\nHost: t\r\n"
            + "Authorization: Bearer \(credential)\r\n\(headers)\r\n\(body)"
    }

    /// A server, with or without the fast path, holding `notifications` (id, type) of `user`, where
    /// SQLite aborts an `operation` (`UPDATE` or `DELETE`) of a notification of type `boom`: a store
    /// failure on demand.
    private static func harness(
        fast: Bool, user: String, _ notifications: [(id: String, type: String)], failing operation: String
    ) async throws -> HTTPHarness {
        let harness = try await HTTPHarness(fastPath: fast)
        for (id, type) in notifications {
            _ = try await harness.services.service.create(ServiceHarness.draft(user: user, id: id, type: type))
        }
        try await harness.failStore(operation)
        return harness
    }

    /// Fills both caches with `user`'s counts and notification `id` and has `token` verified (so the
    /// fast path knows it), then sends each request on a connection of its own, followed by a
    /// counts read and a read of `id`: every answer but the closing request's. Checks that at least
    /// `fastAnswers` were answered on the event loop.
    private static func answersWithReads(
        port: Int, _ requests: [String], user: String, id: String, token: String, harness: HTTPHarness,
        fastAnswers: Int
    ) async throws -> [RawHTTP.Response] {
        let counts = "/v1/users/\(user)/counts"
        let notification = "/v1/users/\(user)/notifications/\(id)"
        let warm = try await RawHTTP.exchange(
            port: port, RawHTTP.get(counts, credential: token) + RawHTTP.get(notification) + RawHTTP.closing)
        #expect(warm.map(\.status) == [200, 200, 200])
        let before = harness.fastAnswers
        var responses: [RawHTTP.Response] = []
        for request in requests {
            responses += try await RawHTTP.exchange(
                port: port, request + RawHTTP.get(counts) + RawHTTP.get(notification) + RawHTTP.closing
            ).dropLast()
        }
        #expect(harness.fastAnswers >= before + fastAnswers)
        return responses
    }

    /// Changed (200), already so (200), unknown (404), a store failure (503), by the API key and by
    /// a user token: the same statuses, header lines and bodies with and without the fast path, all
    /// but the request id, the date and the timestamps the store sets.
    @Test func everyOutcomeIsAnsweredAsHummingbirdAnswersIt() async throws {
        var runs: [[String]] = []
        for fast in [true, false] {
            let harness = try await Self.harness(
                fast: fast, user: "fay", [("n1", "t"), ("b1", "boom")], failing: "UPDATE")
            let token = try await harness.token("fay")
            let responses = try await harness.app.test(.live) { client in
                // The token is verified from here on, so the fast path knows it.
                #expect(try await client.get("/v1/users/fay/counts", credential: token).status == .ok)
                let before = harness.fastAnswers
                let responses = try await RawHTTP.exchange(
                    port: try #require(client.port),
                    Self.change("fay", "n1", "read") + Self.change("fay", "n1", "read")
                        + Self.change("fay", "n1", "unread", headers: "Content-Length: 0\r\n")
                        + Self.change("fay", "n1", "archive", credential: token)
                        + Self.change("fay", "n1", "unarchive") + Self.change("fay", "nope", "read")
                        + Self.change("fay", "b1", "read") + RawHTTP.get("/v1/users/fay/counts") + RawHTTP.closing)
                if fast { #expect(harness.fastAnswers == before + 8) }
                return responses
            }
            #expect(responses.map(\.status) == [200, 200, 200, 200, 200, 404, 503, 200, 200])
            runs.append(responses.map(\.comparable))
            await harness.shutdown()
        }
        #expect(runs[0] == runs[1])
        #expect(
            runs[0][0].contains(#""read_at":"…""#) && runs[0][0].contains(#""unread":1,"unseen":1"#), "\(runs[0][0])")
        #expect(runs[0][0].contains(#""counts":{"seq":3,"unread":1,"unseen":1,"user":"fay"}"#), "\(runs[0][0])")
        #expect(runs[0][1].contains(#""counts":{"seq":3,"unread":1,"unseen":1,"user":"fay"}"#))
        #expect(runs[0][2].contains(#""counts":{"seq":4,"unread":2,"unseen":1,"user":"fay"}"#))
        #expect(runs[0][3].contains(#""archived_at":"…""#) && runs[0][3].contains(#""seq":5,"unread":1"#))
        #expect(runs[0][5].contains(#""code":"not_found""#))
        #expect(runs[0][6].contains(#""code":"unavailable""#) && !runs[0][6].contains("boom"))
        #expect(runs[0][7].hasSuffix(#"{"seq":6,"unread":2,"unseen":1,"user":"fay"}"#), "\(runs[0][7])")
    }

    /// Each answer comes after the change is committed, published, in the counts cache and out of
    /// the notification cache: reads sent right behind it on one connection (answered from the
    /// caches) see it, and a subscriber gets every event, in order.
    @Test func anAnswerFollowsTheCommitThePublicationAndTheCaches() async throws {
        let harness = try await HTTPHarness()
        let subscription = harness.services.broker.subscribe()
        _ = try await harness.services.service.create(ServiceHarness.draft(user: "gil", id: "g", type: "t"))
        try await harness.app.test(.live) { client in
            // Both caches hold the user's state from here on.
            #expect(try await client.get("/v1/users/gil/counts").status == .ok)
            #expect(try await client.get("/v1/users/gil/notifications/g").status == .ok)
            var counts: [String] = []
            var notifications: [String] = []
            for change in ["read", "unread", "read", "archive"] {
                // On a connection of its own: the change and the counts read behind it are both
                // answered on the event loop; the notification read goes on to Hummingbird.
                let before = harness.fastAnswers
                let responses = try await RawHTTP.exchange(
                    port: try #require(client.port),
                    Self.change("gil", "g", change) + RawHTTP.get("/v1/users/gil/counts")
                        + RawHTTP.get("/v1/users/gil/notifications/g") + RawHTTP.closing)
                #expect(responses.map(\.status) == [200, 200, 200, 200])
                #expect(harness.fastAnswers == before + 2)
                counts.append(responses[1].body)
                notifications.append(responses[2].body)
            }
            #expect(
                counts == [
                    #"{"seq":2,"unread":0,"unseen":0,"user":"gil"}"#, #"{"seq":3,"unread":1,"unseen":0,"user":"gil"}"#,
                    #"{"seq":4,"unread":0,"unseen":0,"user":"gil"}"#, #"{"seq":5,"unread":0,"unseen":0,"user":"gil"}"#,
                ])
            #expect(notifications[0].contains(#""read_at":""#))
            #expect(notifications[1].contains(#""read_at":null"#))
            #expect(notifications[2].contains(#""read_at":""#) && notifications[2].contains(#""archived_at":null"#))
            #expect(notifications[3].contains(#""archived_at":""#))
        }
        var names: [String] = []
        for await event in subscription where event.user == "gil" && event.seq > 1 {
            names.append("\(event.seq) \(event.name.rawValue)")
            if names.count == 4 { break }
        }
        #expect(
            names == ["2 notification.read", "3 notification.unread", "4 notification.read", "5 notification.archived"])
        await harness.shutdown()
    }

    /// Seen and read-all without a body: changed (200), nothing to change (200), a store failure
    /// (503), by the API key and by a user token, each followed by reads that must see it; the same
    /// bytes with and without the fast path. A read-all with a filter body goes to Hummingbird.
    @Test func seenAndReadAllAreAnsweredAsHummingbirdAnswersThem() async throws {
        var runs: [[String]] = []
        for fast in [true, false] {
            let harness = try await Self.harness(
                fast: fast, user: "kim", [("k1", "t"), ("k2", "t")], failing: "UPDATE")
            let token = try await harness.token("kim")
            let seen = RawHTTP.bodiless("POST", "/v1/users/kim/seen")
            let readAll =
                "POST /v1/users/kim/notifications/read-all HTTP/1.1\r\nHost: t\r\n"
                + "Authorization: Bearer \(token)\r\nContent-Length: 0\r\n\r\n"
            let filtered =
                "POST /v1/users/kim/notifications/read-all HTTP/1.1\r\nHost: t\r\n"
                + "Authorization: Bearer \(Self.key)\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n"
                + #"{"type":"t"}"#
            let responses = try await harness.app.test(.live) { client in
                let port = try #require(client.port)
                var responses = try await Self.answersWithReads(
                    port: port, [seen, seen, readAll, readAll, filtered], user: "kim", id: "k1", token: token,
                    harness: harness, fastAnswers: fast ? 8 : 0)
                _ = try await harness.services.service.create(ServiceHarness.draft(user: "kim", id: "b", type: "boom"))
                responses += try await RawHTTP.exchange(port: port, seen + RawHTTP.closing).dropLast()
                return responses
            }
            #expect(responses.map(\.status) == Array(repeating: 200, count: 15) + [503])
            runs.append(responses.map(\.comparable))
            await harness.shutdown()
        }
        #expect(runs[0] == runs[1])
        let run = runs[0]
        #expect(run[0].hasSuffix(#"{"counts":{"seq":3,"unread":2,"unseen":0,"user":"kim"},"updated":2}"#), "\(run[0])")
        #expect(run[1].hasSuffix(#"{"seq":3,"unread":2,"unseen":0,"user":"kim"}"#))
        #expect(run[2].contains(#""seen_at":"…""#) && run[2].contains(#""read_at":null"#))
        #expect(run[3].hasSuffix(#"{"counts":{"seq":3,"unread":2,"unseen":0,"user":"kim"},"updated":0}"#))
        #expect(run[6].hasSuffix(#"{"counts":{"seq":4,"unread":0,"unseen":0,"user":"kim"},"updated":2}"#))
        #expect(run[8].contains(#""read_at":"…""#))
        #expect(run[9].hasSuffix(#""updated":0}"#) && run[12].hasSuffix(#""updated":0}"#))
        #expect(run[15].contains(#""code":"unavailable""#) && !run[15].contains("boom"))
    }

    private static func delete(_ id: String, credential: String = key) -> String {
        RawHTTP.bodiless("DELETE", "/v1/users/lou/notifications/\(id)", credential: credential)
    }

    /// Deletes: one that removes (200 and the counts), an unknown one (404), a store failure (503),
    /// by the API key and by a user token, each followed by reads that must see it; the same bytes
    /// with and without the fast path.
    @Test func deletesAreAnsweredAsHummingbirdAnswersThem() async throws {
        var runs: [[String]] = []
        for fast in [true, false] {
            let harness = try await Self.harness(
                fast: fast, user: "lou", [("l1", "t"), ("l2", "t"), ("b", "boom")], failing: "DELETE")
            let token = try await harness.token("lou")
            let responses = try await harness.app.test(.live) { client in
                try await Self.answersWithReads(
                    port: try #require(client.port),
                    [Self.delete("l1"), Self.delete("l1"), Self.delete("l2", credential: token), Self.delete("b")],
                    user: "lou", id: "l1", token: token, harness: harness, fastAnswers: fast ? 8 : 0)
            }
            #expect(responses.map(\.status) == [200, 200, 404, 404, 200, 404, 200, 200, 404, 503, 200, 404])
            runs.append(responses.map(\.comparable))
            await harness.shutdown()
        }
        #expect(runs[0] == runs[1])
        let run = runs[0]
        #expect(run[0].hasSuffix(#"{"counts":{"seq":4,"unread":2,"unseen":2,"user":"lou"}}"#), "\(run[0])")
        #expect(run[1].hasSuffix(#"{"seq":4,"unread":2,"unseen":2,"user":"lou"}"#))
        #expect(run[2].contains(#""code":"not_found""#) && run[3].contains(#""code":"not_found""#))
        #expect(run[6].hasSuffix(#"{"counts":{"seq":5,"unread":1,"unseen":1,"user":"lou"}}"#))
        #expect(run[9].contains(#""code":"unavailable""#) && !run[9].contains("boom"))
    }

    /// Bodiless writes to paths beside the fast path's routes are not taken for them: a `POST` of a
    /// notification itself or a `DELETE` of `seen` (405), a `POST` below `seen` or to another
    /// collection's `read-all` (404), each left to Hummingbird, and a `DELETE` of the notification
    /// whose id is `read-all`, which the fast path deletes (not a read-all).
    @Test func writesBesideTheRoutesPathsAreNotTakenForThem() async throws {
        let harness = try await HTTPHarness()
        for id in ["h1", "read-all"] {
            _ = try await harness.services.service.create(ServiceHarness.draft(user: "hal", id: id, type: "t"))
        }
        let before = harness.fastAnswers
        let responses = try await harness.app.test(.live) { client in
            let requests = [
                ("POST", "notifications/h1"), ("POST", "seen/x"), ("POST", "inbox/read-all"), ("DELETE", "seen"),
                ("DELETE", "notifications/read-all"), ("GET", "notifications/h1"),
            ].map { RawHTTP.bodiless($0, "/v1/users/hal/\($1)") }
            return try await RawHTTP.answersAlone(port: try #require(client.port), requests)
        }
        let statuses = responses.map(\.status)
        #expect(statuses == [405, 404, 404, 405, 200, 200], "\(statuses)")
        #expect(responses[4].body.hasSuffix(#"{"counts":{"seq":3,"unread":1,"unseen":1,"user":"hal"}}"#))
        #expect(responses[5].body.contains(#""read_at":null"#))
        // The delete alone was answered on the event loop (the read found no cached entry).
        #expect(harness.fastAnswers - before == 1)
        await harness.shutdown()
    }

    /// Changes the fast path leaves to Hummingbird keep their answers: a body, a percent-encoded
    /// id, a query, another user's token, an unknown change, a cross-origin request.
    @Test func changesLeftToHummingbirdKeepTheirAnswers() async throws {
        let harness = try await HTTPHarness(corsOrigins: ["https://app.example"])
        let token = try await harness.token("hal")
        let other = try await harness.token("ida")
        _ = try await harness.services.service.create(ServiceHarness.draft(user: "hal", id: "h1", type: "t"))
        let responses = try await harness.app.test(.live) { client in
            // The tokens are verified from here on, so the fast path knows them.
            #expect(try await client.get("/v1/users/hal/counts", credential: token).status == .ok)
            #expect(try await client.get("/v1/users/ida/counts", credential: other).status == .ok)
            let port = try #require(client.port)
            let requests = [
                Self.change(
                    "hal", "h1", "read", headers: "Content-Type: application/json\r\nContent-Length: 2\r\n", body: "{}"),
                Self.change("hal", "h%31", "unread"),
                Self.change("hal", "h1", "read", query: "?x=1"),
                Self.change("hal", "h1", "unread", credential: other),
                Self.change("hal", "h1", "frob"),
                Self.change("hal", "h1", "archive", headers: "Origin: https://app.example\r\n"),
            ]
            return try await RawHTTP.answersAlone(port: port, requests)
        }
        let statuses = responses.map(\.status)
        #expect(statuses == [200, 200, 200, 403, 404, 200], "\(statuses)")
        #expect(responses[1].body.contains(#""read_at":null"#))
        #expect(responses[3].body.contains(#""code":"forbidden""#))
        #expect(responses[5].headers.contains("Access-Control-Allow-Origin: https://app.example"))
        #expect(responses[5].body.contains(#""seq":5"#))
        await harness.shutdown()
    }
}
