import Foundation
import HTTPTypes
import HeraldCore
import HeraldTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HeraldHTTP

/// The demo page, CORS, request ids and metrics.
@Suite(.timeLimit(.minutes(1)))
struct OperatorTests {
    static let origin = HTTPField.Name("Origin")!
    static let allowOrigin = HTTPField.Name("Access-Control-Allow-Origin")!

    @Test func demoPageServesItsFilesAndASessionForTheDemoUserOnly() async throws {
        let harness = try await HTTPHarness(demoUser: "demo")
        try await harness.app.test(.router) { client in
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let html = String(buffer: page.body)
            #expect(html.contains("/demo/inbox.js") && html.contains(#"id="badge""#))
            let script = try await client.execute(uri: "/demo/inbox.js", method: .get)
            #expect(script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(String(buffer: script.body).contains("new EventSource"))
            #expect(try await client.execute(uri: "/demo/inbox.css", method: .get).status == .ok)
            // The page holds a token: only its own files run, and no other site may frame it.
            for answer in [page, script] {
                #expect(answer.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
                #expect(answer.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
                #expect(answer.headers[.xContentTypeOptions] == "nosniff")
            }

            let session = try await client.execute(uri: "/demo/session", method: .get)
            #expect(session.headers[.cacheControl] == "no-store")
            let json = try session.json()
            #expect(json["user"] as? String == "demo")
            let token = try #require(json["token"] as? String)
            #expect(json["expires_at"] is String)
            // The token is the demo user's and nobody else's; it carries no API-key powers.
            #expect(try await client.get("/v1/users/demo/counts", credential: token).status == .ok)
            #expect(try await client.get("/v1/users/other/counts", credential: token).status == .forbidden)
            let minted = try await client.post("/v1/users/demo/tokens", json: "{}", credential: token)
            #expect(minted.status == .forbidden)

            let sent = try await client.post(
                "/demo/notifications", json: #"{"user":"demo","type":"demo.test","title":"hi"}"#, credential: token)
            #expect(sent.status == .created)
            #expect((try sent.json()["counts"] as? [String: Any])?["unread"] as? Int == 1)
            let elsewhere = try await client.post(
                "/demo/notifications", json: #"{"user":"other","type":"demo.test"}"#, credential: token)
            #expect(elsewhere.status == .forbidden)
            #expect(try elsewhere.errorCode() == "forbidden")
            // An API key is not a demo user either.
            let byKey = try await client.post("/demo/notifications", json: #"{"user":"demo","type":"t"}"#)
            #expect(byKey.status == .forbidden)
            let bad = try await client.post("/demo/notifications", json: #"{"user":"demo"}"#, credential: token)
            #expect(bad.status == .badRequest)
            #expect(try await client.execute(uri: "/demo/notifications", method: .post).status == .unauthorized)
        }
        await harness.shutdown()
    }

    @Test func withoutADemoUserThereIsNoPage() async throws {
        let harness = try await HTTPHarness()
        try await harness.app.test(.router) { client in
            let page = try await client.execute(uri: "/", method: .get)
            let session = try await client.execute(uri: "/demo/session", method: .get)
            #expect(page.status == .notFound && session.status == .notFound)
        }
        await harness.shutdown()
    }

    /// A change authenticated by the `herald_token` cookie is refused from a page of another site
    /// (cross-site request forgery: a form or a `no-cors` fetch needs no preflight), and accepted
    /// from a listed origin, the server's own, or a client that is not a browser; reads, and
    /// credentials a browser does not send on its own, are not checked.
    @Test func cookieChangesComeOnlyFromAllowedPages() async throws {
        let harness = try await HTTPHarness(corsOrigins: ["http://app.example:3000"])
        let token = try await harness.token("u1")
        let fetchSite = HTTPField.Name("Sec-Fetch-Site")!
        try await harness.app.test(.router) { client in
            _ = try await client.post("/v1/notifications", json: #"{"user":"u1","type":"t"}"#)
            func seen(_ headers: HTTPFields, method: HTTPRequest.Method = .post) async throws -> HTTPResponse.Status {
                var headers = headers
                if headers[.authorization] == nil { headers[.cookie] = "herald_token=\(token)" }
                let uri = method == .post ? "/v1/users/u1/seen" : "/v1/users/u1/notifications/none"
                return try await client.execute(uri: uri, method: method, headers: headers).status
            }
            for refused: HTTPFields in [
                [Self.origin: "http://evil.example"], [Self.origin: "null"], [fetchSite: "cross-site"],
                [Self.origin: "http://app.example:3000.evil.example"],
                [Self.origin: "http://evil.example", fetchSite: "same-site"],
            ] {
                #expect(try await seen(refused) == .forbidden, "\(refused)")
            }
            #expect(try await seen([Self.origin: "http://evil.example"], method: .delete) == .forbidden)
            let answer = try await client.execute(
                uri: "/v1/users/u1/seen", method: .post,
                headers: [.cookie: "herald_token=\(token)", Self.origin: "http://evil.example"])
            #expect(try answer.errorCode() == "forbidden")
            // Nothing was changed by the refused requests.
            #expect(try await client.get("/v1/users/u1/counts").json()["unseen"] as? Int == 1)

            for accepted: HTTPFields in [
                [:], [Self.origin: "http://app.example:3000"], [fetchSite: "same-origin"], [fetchSite: "same-site"],
                [fetchSite: "same-origin", Self.origin: "http://127.0.0.1:1"],
                [.authorization: "Bearer \(token)", Self.origin: "http://evil.example"],
            ] {
                #expect(try await seen(accepted) == .ok, "\(accepted)")
            }
            #expect(try await seen([Self.origin: "http://app.example:3000"], method: .delete) == .notFound)
            let read = try await client.execute(
                uri: "/v1/users/u1/counts", method: .get,
                headers: [.cookie: "herald_token=\(token)", Self.origin: "http://evil.example"])
            #expect(read.status == .ok)
        }
        try await harness.app.test(.live) { client in
            // The server's own origin: the host the request was sent to.
            let port = try #require(client.port)
            let own =
                "POST /v1/users/u1/seen HTTP/1.1\r\nHost: herald.example:8080\r\nCookie: herald_token=\(token)\r\n"
                + "Origin: https://herald.example:8080\r\n\r\n"
            let other = own.replacingOccurrences(of: "Origin: https://herald", with: "Origin: https://other")
            // An HTTP/1.0 request may name no host: then no origin is the server's own.
            let noHost =
                "POST /v1/users/u1/seen HTTP/1.0\r\nCookie: herald_token=\(token)\r\n"
                + "Origin: https://other.example\r\n\r\n"
            let answers = try await RawHTTP.answersAlone(port: port, [own, other])
            #expect(answers.map(\.status) == [200, 403])
            #expect(try await RawHTTP.exchange(port: port, noHost).map(\.status) == [403])
        }
        #expect(CrossSiteWriteCheck.authority(of: "https://a.example:8443") == "a.example:8443")
        #expect(CrossSiteWriteCheck.authority(of: "null") == nil)
        #expect(CrossSiteWriteCheck.authority(of: "https://") == nil)
        await harness.shutdown()
    }

    @Test func corsAnswersListedOriginsOnly() async throws {
        let harness = try await HTTPHarness(corsOrigins: ["http://app.example:3000"])
        try await harness.app.test(.router) { client in
            let preflight = try await client.execute(
                uri: "/v1/users/u1/stream", method: .options,
                headers: [Self.origin: "http://app.example:3000", .accessControlRequestMethod: "GET"])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[Self.allowOrigin] == "http://app.example:3000")
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("authorization") == true)
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("last-event-id") == true)
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("x-request-id") == true)
            #expect(preflight.headers[.accessControlAllowMethods]?.contains("DELETE") == true)
            #expect(preflight.headers[.accessControlAllowCredentials] == "true")

            var headers = HTTPFields.bearer()
            headers[Self.origin] = "http://app.example:3000"
            let allowed = try await client.execute(uri: "/v1/users/u1/counts", method: .get, headers: headers)
            #expect(allowed.status == .ok)
            #expect(allowed.headers[Self.allowOrigin] == "http://app.example:3000")
            #expect(allowed.headers[.vary] == "Origin")
            #expect(allowed.headers[.accessControlExposeHeaders] == "X-Request-Id")
            // Errors carry the header too, so the page can read the error body.
            headers[.authorization] = "Bearer wrong"
            let denied = try await client.execute(uri: "/v1/users/u1/counts", method: .get, headers: headers)
            #expect(denied.status == .unauthorized)
            #expect(denied.headers[Self.allowOrigin] == "http://app.example:3000")

            headers = HTTPFields.bearer()
            headers[Self.origin] = "http://evil.example"
            let other = try await client.execute(uri: "/v1/users/u1/counts", method: .get, headers: headers)
            #expect(other.status == .ok)
            #expect(other.headers[Self.allowOrigin] == nil)
            let otherPreflight = try await client.execute(
                uri: "/v1/users/u1/counts", method: .options,
                headers: [Self.origin: "http://evil.example", .accessControlRequestMethod: "GET"])
            #expect(otherPreflight.headers[Self.allowOrigin] == nil)
            #expect(otherPreflight.status == .forbidden)
            #expect(try otherPreflight.json()[object: "error"]["code"] as? String == "forbidden")
        }
        await harness.shutdown()
    }

    /// `*` lets any page call the API with a token it holds, as `Access-Control-Allow-Origin: *`
    /// does, but with no credentials: a browser sends such a page no cookie, nor lets it read what
    /// the cookie got, and a cookie change from it is refused. (Every origin was echoed with
    /// credentials allowed, and their cookie changes accepted: any site a signed-in user visited
    /// could read and change their notifications.) An origin listed beside `*` keeps its cookie.
    @Test func wildcardAllowsEveryPageTokensButNotTheCookie() async throws {
        let harness = try await HTTPHarness(corsOrigins: ["*", "https://app.example"])
        let token = try await harness.token("u1")
        try await harness.app.test(.router) { client in
            var headers = HTTPFields.bearer()
            headers[Self.origin] = "https://anything.example"
            let response = try await client.execute(uri: "/v1/users/u1/counts", method: .get, headers: headers)
            #expect(response.status == .ok)
            #expect(response.headers[Self.allowOrigin] == "*")
            #expect(response.headers[.accessControlAllowCredentials] == nil)
            #expect(response.headers[.accessControlExposeHeaders] == "X-Request-Id")
            let preflight = try await client.execute(
                uri: "/v1/users/u1/seen", method: .options,
                headers: [
                    Self.origin: "https://anything.example", .accessControlRequestMethod: "POST",
                    .accessControlRequestHeaders: "authorization",
                ])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[Self.allowOrigin] == "*")
            #expect(preflight.headers[.accessControlAllowCredentials] == nil)
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("authorization") == true)
            for (origin, expected) in [
                ("https://anything.example", HTTPResponse.Status.forbidden), ("https://app.example", .ok),
            ] {
                let change = try await client.execute(
                    uri: "/v1/users/u1/seen", method: .post,
                    headers: [.cookie: "herald_token=\(token)", Self.origin: origin])
                #expect(change.status == expected, "\(origin)")
            }
            let listed = try await client.execute(
                uri: "/v1/users/u1/counts", method: .get,
                headers: [.cookie: "herald_token=\(token)", Self.origin: "https://app.example"])
            #expect(listed.headers[Self.allowOrigin] == "https://app.example")
            #expect(listed.headers[.accessControlAllowCredentials] == "true")
        }
        await harness.shutdown()
    }

    @Test func everyResponseHasARequestIDAndIsCountedByRouteAndStatus() async throws {
        let harness = try await HTTPHarness()
        try await harness.app.test(.router) { client in
            let first = try await client.get("/v1/users/u1/counts")
            let second = try await client.get("/v1/users/u1/counts")
            let firstID = try #require(first.headers[HTTPField.Name("X-Request-Id")!])
            #expect(!firstID.isEmpty && firstID != second.headers[HTTPField.Name("X-Request-Id")!])
            _ = try await client.get("/v1/users/u1/counts", credential: "wrong")
            _ = try await client.post("/v1/notifications", json: #"{"user":"u1","type":"t"}"#)
            _ = try await client.get("/nope")
            _ = try await client.execute(
                uri: "/v1/users/u1/counts", method: HTTPRequest.Method("BREW")!, headers: .bearer(HTTPHarness.apiKey))
        }
        let text = String(decoding: harness.registry.emitToBuffer(), as: UTF8.self)
        #expect(text.contains(#"method="other",status="405"}"#))
        #expect(!text.contains("BREW"))  // unknown methods cannot add series
        #expect(
            text.contains(#"herald_http_requests_total{route="/v1/users/{user}/counts",method="GET",status="200"}"#))
        #expect(
            text.contains(#"herald_http_requests_total{route="/v1/users/{user}/counts",method="GET",status="401"}"#))
        #expect(text.contains(#"herald_http_requests_total{route="/v1/notifications",method="POST",status="201"}"#))
        #expect(text.contains(#"herald_http_requests_total{route="unmatched",method="GET",status="404"}"#))
        #expect(
            text.contains(
                #"herald_http_request_duration_seconds_count{route="/v1/notifications",method="POST",status="201"}"#))
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(line.hasPrefix("herald_"), "metric without the herald_ prefix: \(line)")
        }
        await harness.shutdown()
    }

    @Test func committedTransactionsAndTheWritesInThemAreCounted() async throws {
        let harness = try await HTTPHarness()
        func value(_ name: String) -> Int { harness.metric(name) }
        let (transactions, writes) = (
            value("herald_store_transactions_total"), value("herald_store_transaction_writes_total")
        )
        try await harness.app.test(.router) { client in
            // One after the other, so in two transactions (other tests may add to the same counters).
            let single = try await client.post("/v1/notifications", json: #"{"user":"tx","type":"t"}"#)
            let items = #"{"notifications":[{"user":"tx","type":"t"},{"user":"tx2","type":"t"}]}"#
            let batch = try await client.post("/v1/notifications/batch", json: items)
            #expect(single.status == .created && batch.status == .ok)
        }
        #expect(value("herald_store_transactions_total") >= transactions + 2)
        #expect(value("herald_store_transaction_writes_total") >= writes + 2)
        await harness.shutdown()
    }

    @Test func theUpkeepsDeletionsAreCounted() async throws {
        let harness = try await HTTPHarness()
        func value(_ name: String) -> Int { harness.metric(name) }
        let (pruned, purged) = (value("herald_events_pruned_total"), value("herald_notifications_purged_total"))
        // Five notifications created eight days ago (their events past the 7 days' retention), two
        // of them expired since.
        let drafts = try (0..<5).map { try ServiceHarness.draft(user: "upkeep", ttl: $0 < 2 ? 1 : 30 * 86_400) }
        _ = try await harness.services.store.create(
            drafts, defaultTTLSeconds: 60, now: Timestamp.now().adding(seconds: -8 * 86_400))
        let service = harness.services.service
        #expect(try await service.pruneEvents() == 5)
        #expect(try await service.sweepExpired() == 2)
        #expect(try await service.purgeExpired(sweptBefore: .now()) == 2)
        // Other tests may add to the same counters.
        #expect(value("herald_events_pruned_total") >= pruned + 5)
        #expect(value("herald_notifications_purged_total") >= purged + 2)
        await harness.shutdown()
    }

    @Test func aKnownPathWithAnUnservedMethodIs405WithAllow() async throws {
        let harness = try await HTTPHarness()
        try await harness.app.test(.router) { client in
            let put = try await client.execute(uri: "/v1/users/u1/notifications/n1", method: .put, headers: .bearer())
            #expect(put.status == .methodNotAllowed)
            #expect(try put.errorCode() == "method_not_allowed")
            #expect(put.headers[.allow] == "DELETE, GET, HEAD")
            // The literal route wins over `:id`, as in the router.
            let readAll = try await client.execute(
                uri: "/v1/users/u1/notifications/read-all", method: .get, headers: .bearer())
            #expect(readAll.status == .methodNotAllowed)
            #expect(readAll.headers[.allow] == "POST")
            let unknown = try await client.execute(uri: "/v1/nothing/here", method: .put, headers: .bearer())
            #expect(unknown.status == .notFound)
        }
        await harness.shutdown()
    }

    @Test func percentEncodedPathIdentifiersAreDecodedAndAnEmptyCursorIsTheFirstPage() async throws {
        let harness = try await HTTPHarness()
        try await harness.app.test(.router) { client in
            let created = try await client.post(
                "/v1/notifications", json: #"{"user":"ann@example.com","id":"order:1","type":"t"}"#)
            #expect(created.status == .created)
            let one = try await client.get("/v1/users/ann%40example.com/notifications/order%3A1")
            #expect(one.status == .ok)
            #expect(try one.json()["id"] as? String == "order:1")
            let counts = try await client.get("/v1/users/ann%40example.com/counts")
            #expect(try counts.json()["unread"] as? Int == 1)
            let bad = try await client.get("/v1/users/ann%20x/counts")
            #expect(try bad.errorCode() == "invalid_id")
            let page = try await client.get("/v1/users/ann%40example.com/notifications?cursor=")
            #expect(page.status == .ok)
            #expect((try page.json()["notifications"] as? [Any])?.count == 1)
        }
        await harness.shutdown()
    }
}
