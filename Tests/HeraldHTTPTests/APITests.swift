import Foundation
import HTTPTypes
import HeraldCore
import HeraldHTTP
import HeraldTestSupport
import Hummingbird
import HummingbirdTesting
import JWTKit
import Testing

@Suite(.timeLimit(.minutes(1)))
struct APITests {
    static let order =
        #"{"user":"u42","id":"order-1234-shipped","type":"order.shipped","title":"Your order shipped","body":"Arrives Tuesday","data":{"order_id":1234},"tags":["orders"]}"#

    @Test func createReturnsTheNotificationAndCounts() async throws {
        let harness = try await HTTPHarness()
        try await harness.app.test(.router) { client in
            let response = try await client.post("/v1/notifications", json: Self.order)
            #expect(response.status == .created)
            let body = try response.json()
            let notification = body[object: "notification"]
            #expect(notification["id"] as? String == "order-1234-shipped")
            #expect(notification["user"] as? String == "u42")
            #expect(notification["read_at"] is NSNull)
            #expect((notification["data"] as? [String: Any])?["order_id"] as? Int == 1234)
            let created = try #require(notification["created_at"] as? String)
            #expect(created.count == 24 && created.hasSuffix("Z"))
            #expect(body[object: "counts"].int("unread") == 1)
            #expect(body[object: "counts"].int("seq") == 1)

            let replay = try await client.post("/v1/notifications", json: Self.order)
            #expect(replay.status == .ok)
            #expect(try replay.json()[object: "counts"].int("seq") == 1)

            let conflicting = Self.order.replacingOccurrences(of: "Arrives Tuesday", with: "Arrives Friday")
            let conflict = try await client.post("/v1/notifications", json: conflicting)
            #expect(conflict.status == .conflict)
            #expect(try conflict.errorCode() == "id_conflict")

            // A number written with a fraction of zero is stored as it renders (2.0 as 2): sent
            // again as it was first sent, it is still the same notification.
            let fractional = #"{"user":"u42","id":"priced","type":"t","data":{"price":2.0,"ratio":0.5}}"#
            #expect(try await client.post("/v1/notifications", json: fractional).status == .created)
            let again = try await client.post("/v1/notifications", json: fractional)
            #expect(again.status == .ok)
            #expect(try again.json()[object: "counts"].int("seq") == 2)

            let generated = try await client.post("/v1/notifications", json: #"{"user":"u42","type":"t"}"#)
            #expect(generated.status == .created)
            #expect(((try generated.json()[object: "notification"])["id"] as? String)?.isEmpty == false)
        }
        await harness.shutdown()
    }

    @Test func unroutedRequestsAnswer404Or405WithAllow() async throws {
        let harness = try await HTTPHarness()
        try await harness.app.test(.router) { client in
            let wrongMethod = try await client.execute(
                uri: "/v1/users/u1/counts", method: .delete, headers: .bearer(HTTPHarness.apiKey))
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(try wrongMethod.errorCode() == "method_not_allowed")
            #expect(wrongMethod.headers[.allow] == "GET, HEAD")
            let literal = try await client.execute(
                uri: "/v1/users/u1/notifications/read-all", method: .get, headers: .bearer(HTTPHarness.apiKey))
            #expect(literal.status == .methodNotAllowed)
            #expect(literal.headers[.allow] == "POST")
            let unknown = try await client.get("/v1/nothing-here")
            #expect(unknown.status == .notFound)
            #expect(try unknown.errorCode() == "not_found")
            let missing = try await client.get("/v1/users/u1/notifications/nope")
            #expect(missing.status == .notFound)
            #expect(try missing.errorCode() == "not_found")
            _ = try await client.post("/v1/notifications", json: #"{"user":"u@x.y","id":"n.1","type":"t"}"#)
            let encoded = try await client.get("/v1/users/u%40x.y/notifications/n.1")
            #expect(encoded.status == .ok)
            #expect(try encoded.json()["user"] as? String == "u@x.y")
        }
        await harness.shutdown()
    }

    @Test func aCreateMayGiveItsExpiryAsAnInstantInAnyOffset() async throws {
        let harness = try await HTTPHarness()
        let maintenance = Task { await harness.services.service.runMaintenance() }
        try await harness.app.test(.router) { client in
            // Five seconds ahead (4.25–5.25 s from now: with two, then three, a loaded machine took
            // so long to fetch it that it had expired), written in UTC+02:00 with microseconds:
            // answered in UTC, to the millisecond.
            let instant = Timestamp(milliseconds: (Timestamp.now().milliseconds / 1000 + 5) * 1000 + 250)
            var local = Timestamp(milliseconds: instant.milliseconds + 2 * 3_600_000).description
            local = String(local.dropLast()) + "999+02:00"
            let created = try await client.post(
                "/v1/notifications", json: #"{"user":"x1","id":"soon","type":"t","expires_at":"\#(local)"}"#)
            #expect(created.status == .created)
            let notification = try created.json()["notification"] as? [String: Any]
            #expect(notification?["expires_at"] as? String == instant.description)
            let fetched = try await client.get("/v1/users/x1/notifications/soon")
            #expect(try fetched.json()["expires_at"] as? String == instant.description)
            let both = try await client.post(
                "/v1/notifications", json: #"{"user":"x1","type":"t","ttl_seconds":60,"expires_at":"\#(local)"}"#)
            #expect(both.status == .badRequest)
            #expect(try both.errorCode() == "invalid_field")
            // It expires then, as one given a lifetime does: gone from the counts and 404.
            var unread = 1
            for _ in 0..<120 where unread != 0 {
                try await Task.sleep(for: .milliseconds(100))
                unread = try await client.get("/v1/users/x1/counts").json()["unread"] as? Int ?? -1
            }
            #expect(unread == 0)
            #expect(Timestamp.now() >= instant)
            #expect(try await client.get("/v1/users/x1/notifications/soon").status == .notFound)
        }
        maintenance.cancel()
        await harness.shutdown()
    }

    @Test func badInputIsRejectedWithTheDocumentedErrors() async throws {
        let harness = try await HTTPHarness()
        try await harness.app.test(.router) { client in
            let cases: [(String, HTTPResponse.Status, String)] = [
                (#"{"user":"bad user","type":"t"}"#, .badRequest, "invalid_id"),
                (#"{"user":"u1","id":"a/b","type":"t"}"#, .badRequest, "invalid_id"),
                (#"{"type":"t"}"#, .badRequest, "invalid_id"),
                // Anything but a string of an id's characters is invalid_id (API.md), a number too.
                (#"{"user":42,"type":"t"}"#, .badRequest, "invalid_id"),
                (#"{"user":"u1","id":7,"type":"t"}"#, .badRequest, "invalid_id"),
                (#"{"user":["u1"],"type":"t"}"#, .badRequest, "invalid_id"),
                (#"{"user":"u1"}"#, .badRequest, "invalid_field"),
                (#"{"user":"u1","type":""}"#, .badRequest, "invalid_field"),
                (#"{"user":"u1","type":"t","title":5}"#, .badRequest, "invalid_field"),
                (#"{"user":"u1","type":"t","data":[1]}"#, .badRequest, "invalid_field"),
                (#"{"user":"u1","type":"t","tags":"x"}"#, .badRequest, "invalid_field"),
                (#"{"user":"u1","type":"t","ttl_seconds":0}"#, .badRequest, "invalid_field"),
                (#"{"user":"u1","type":"t","expires_at":"2020-01-01T00:00:00Z"}"#, .badRequest, "invalid_field"),
                (#"{"user":"u1","type":"t","expires_at":"3000-01-01T00:00:00Z"}"#, .badRequest, "invalid_field"),
                (#"{"user":"u1","type":"t","expires_at":"tomorrow"}"#, .badRequest, "invalid_field"),
                (#"{"user":"u1","type":"t","expires_at":1}"#, .badRequest, "invalid_field"),
                (
                    #"{"user":"u1","type":"t","title":"\#(String(repeating: "a", count: 257))"}"#, .badRequest,
                    "invalid_field"
                ),
                (
                    #"{"user":"u1","type":"t","data":{"k":"\#(String(repeating: "a", count: 8200))"}}"#, .badRequest,
                    "invalid_field"
                ),
                (
                    #"{"user":"u1","type":"t","tags":[\#((0..<17).map { "\"t\($0)\"" }.joined(separator: ","))]}"#,
                    .badRequest, "invalid_field"
                ),
                ("{not json", .badRequest, "invalid_json"),
                ("[1,2]", .badRequest, "invalid_field"),
                ("", .badRequest, "invalid_json"),
            ]
            for (body, status, code) in cases {
                let response = try await client.post("/v1/notifications", json: body)
                #expect(response.status == status, "\(body.prefix(60))")
                #expect(try response.errorCode() == code, "\(body.prefix(60))")
            }
            let huge = #"{"user":"u1","type":"t","body":"\#(String(repeating: "x", count: 70_000))"}"#
            let tooLarge = try await client.post("/v1/notifications", json: huge)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(try tooLarge.errorCode() == "too_large")
            // The limit is inclusive: 64 KiB exactly is a body, one byte more is too large.
            let small = #"{"user":"u1","type":"t","id":"at-the-limit"}"#
            let atLimit = small + String(repeating: " ", count: 64 * 1024 - small.utf8.count)
            #expect(try await client.post("/v1/notifications", json: atLimit).status == .created)
            #expect(try await client.post("/v1/notifications", json: atLimit + " ").status == .contentTooLarge)
            let wrongType = try await client.execute(
                uri: "/v1/notifications", method: .post,
                headers: [.authorization: "Bearer \(HTTPHarness.apiKey)", .contentType: "text/plain"],
                body: ByteBuffer(string: Self.order))
            #expect(wrongType.status == .unsupportedMediaType)
            #expect(try wrongType.errorCode() == "unsupported_media_type")
            // A batch, a token or a read-all in a content coding: Herald decodes none.
            for uri in ["/v1/notifications/batch", "/v1/users/u1/tokens", "/v1/users/u1/notifications/read-all"] {
                let compressed = try await client.execute(
                    uri: uri, method: .post,
                    headers: [
                        .authorization: "Bearer \(HTTPHarness.apiKey)", .contentType: "application/json",
                        .contentEncoding: "gzip",
                    ],
                    body: ByteBuffer(bytes: [0x1f, 0x8b, 0x08, 0x00]))
                #expect(compressed.status == .unsupportedMediaType, "\(uri)")
                #expect(try compressed.errorCode() == "unsupported_media_type", "\(uri)")
            }
            let badList = try await client.get("/v1/users/u1/notifications?limit=0")
            #expect(badList.status == .badRequest)
            let badCursor = try await client.get("/v1/users/u1/notifications?cursor=zzz")
            #expect(badCursor.status == .badRequest)
            // A filter no notification could match is refused, as read-all's is, not answered empty.
            let long = String(repeating: "x", count: 65)
            for filter in ["type=", "tag=", "type=\(long)", "tag=\(long)"] {
                let refused = try await client.get("/v1/users/u1/notifications?\(filter)")
                #expect(try refused.errorCode() == "invalid_query", "\(filter)")
                #expect(String(buffer: refused.body).contains("must be 1-64 characters"), "\(filter)")
            }
            // A list parameter given twice, even with one value, is refused rather than one of them
            // picked; an unknown one is ignored however often.
            for parameter in ["status=all", "archived=false", "type=t", "tag=a", "limit=5", "cursor="] {
                let repeated = try await client.get("/v1/users/u1/notifications?\(parameter)&x=1&\(parameter)")
                #expect(repeated.status == .badRequest, "\(parameter)")
                #expect(try repeated.errorCode() == "invalid_query", "\(parameter)")
                let name = parameter.prefix { $0 != "=" }
                #expect(String(buffer: repeated.body).contains("\(name) is given more than once"))
            }
            #expect(try await client.get("/v1/users/u1/notifications?x=1&x=2&limit=5").status == .ok)
            let badUser = try await client.get("/v1/users/\(String(repeating: "u", count: 129))/counts")
            #expect(try badUser.errorCode() == "invalid_id")
            let unknown = try await client.get("/v1/nothing-here")
            #expect(unknown.status == .notFound)
            #expect(try unknown.errorCode() == "not_found")
        }
        await harness.shutdown()
    }

    /// The ids of the notifications a list at `uri` answered, in its order; the answer checked as a
    /// 200.
    func listedIDs(_ client: some TestClientProtocol, _ uri: String) async throws -> [String] {
        let response = try await client.get(uri)
        #expect(response.status == .ok, "\(uri)")
        return (try response.json()["notifications"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }

    /// `archived` picks either side, `false` as its default does (API.md); with the fast path and
    /// without. (Their differential tests cannot see a query both read alike: `archived=false`
    /// read as `true` passed them.)
    @Test(arguments: [true, false])
    func listArchivedPicksEitherSide(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath)
        try await harness.app.test(.router) { client async throws in
            for id in ["kept", "put-away"] {
                let body = #"{"user":"arc","id":"\#(id)","type":"t"}"#
                #expect(try await client.post("/v1/notifications", json: body).status == .created)
            }
            #expect(try await client.post("/v1/users/arc/notifications/put-away/archive", json: "").status == .ok)
            for (query, ids) in [
                ("", ["kept"]), ("?archived=false", ["kept"]), ("?archived=true", ["put-away"]),
                ("?status=all&archived=false", ["kept"]),
            ] {
                #expect(try await listedIDs(client, "/v1/users/arc/notifications\(query)") == ids, "\(query)")
            }
        }
        await harness.shutdown()
    }

    /// List filters read the query as forms and `URLSearchParams` write it: `+` is a space, `%2B` a
    /// plus; with the fast path and without (which leaves queries that need decoding to Hummingbird).
    @Test(arguments: [true, false])
    func listFiltersReadPlusAsASpace(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath)
        try await harness.app.test(.router) { client in
            for (id, type, tag) in [("space", "x y", "a b"), ("plus", "x+y", "a+b"), ("plain", "xy", "ab")] {
                let body = #"{"user":"fq","id":"\#(id)","type":"\#(type)","tags":["\#(tag)"]}"#
                #expect(try await client.post("/v1/notifications", json: body).status == .created)
            }
            for (query, ids) in [
                ("tag=a+b", ["space"]), ("tag=a%20b", ["space"]), ("tag=a%2Bb", ["plus"]), ("tag=a%2bb", ["plus"]),
                ("type=x+y", ["space"]), ("type=x%2By", ["plus"]), ("tag=ab&type=xy", ["plain"]),
                ("t%61g=a+b", ["space"]), ("tag=a%ZZ", []),
            ] {
                #expect(try await listedIDs(client, "/v1/users/fq/notifications?\(query)") == ids, "\(query)")
            }
            let twice = try await client.get("/v1/users/fq/notifications?tag=a+b&t%61g=c")
            #expect(try twice.errorCode() == "invalid_query")
        }
        await harness.shutdown()
    }

    @Test func authenticationAndUserIsolation() async throws {
        let harness = try await HTTPHarness()
        let u1 = try await harness.token("u1")
        try await harness.app.test(.router) { client in
            _ = try await client.post("/v1/notifications", json: #"{"user":"u1","id":"a","type":"t"}"#)
            _ = try await client.post("/v1/notifications", json: #"{"user":"u2","id":"secret","type":"t"}"#)

            let none = try await client.execute(uri: "/v1/users/u1/counts", method: .get)
            #expect(none.status == .unauthorized)
            #expect(try none.errorCode() == "unauthorized")
            #expect(try await client.get("/v1/users/u1/counts", credential: "wrong").status == .unauthorized)
            #expect(try await client.get("/v1/users/u1/counts", credential: "second-key").status == .ok)
            // A key is the whole credential: not a part of it, nor it with more after it (256 more
            // bytes once passed, the lengths compared in one byte).
            for near in ["second-ke", "second-key2", "second-key" + String(repeating: "x", count: 256)] {
                #expect(
                    try await client.get("/v1/users/u1/counts", credential: near).status == .unauthorized, "\(near)")
            }
            #expect(try await client.get("/v1/users/u1/counts", credential: u1).status == .ok)
            // Verified once, then remembered: still refused from the moment it expires. Minted right
            // before its first use: `exp` is in whole seconds, so a token minted with 2 s to live
            // has at least 1 s left here (with 1 s and the requests above in between, a busy machine
            // saw it expire before this first use), and at most 2 s once the sleep below has passed.
            let (expired, expiry) = try await harness.auth.mintToken(user: "u1", ttlSeconds: 2)
            #expect(try await client.get("/v1/users/u1/counts", credential: expired).status == .ok)

            let other = try await client.get("/v1/users/u2/notifications/secret", credential: u1)
            #expect(other.status == .forbidden)
            #expect(try other.errorCode() == "forbidden")
            #expect(!String(buffer: other.body).contains("secret"))
            #expect(try await client.post("/v1/users/u2/seen", json: "", credential: u1).status == .forbidden)
            #expect(try await client.get("/v1/users/u2/stream", credential: u1).status == .forbidden)
            #expect(
                try await client.post("/v1/notifications", json: #"{"user":"u1","type":"t"}"#, credential: u1).status
                    == .forbidden)
            #expect(try await client.post("/v1/users/u1/tokens", json: "", credential: u1).status == .forbidden)

            let query = try await client.execute(uri: "/v1/users/u1/counts?access_token=\(u1)", method: .get)
            #expect(query.status == .ok)
            let cookie = try await client.execute(
                uri: "/v1/users/u1/counts", method: .get, headers: [.cookie: "herald_token=\(u1)"])
            #expect(cookie.status == .ok)
            // An API key is taken from the header alone: a URL is written to logs, and a browser
            // sends a cookie on its own.
            for (uri, headers) in [
                ("/v1/users/u1/counts?access_token=\(HTTPHarness.apiKey)", HTTPFields()),
                ("/v1/users/u1/counts", [.cookie: "herald_token=\(HTTPHarness.apiKey)"]),
            ] {
                let misplaced = try await client.execute(uri: uri, method: .get, headers: headers)
                #expect(misplaced.status == .unauthorized, "\(headers)")
                #expect(String(buffer: misplaced.body).contains("accepted only in the Authorization header"))
            }
            // One credential: two in the query, or two `Authorization` lines (read as one joined by
            // a comma), are refused, not one of them picked.
            let twoInQuery = try await client.execute(
                uri: "/v1/users/u1/counts?access_token=\(u1)&access_token=\(u1)", method: .get)
            #expect(twoInQuery.status == .unauthorized)
            var twoLines = HTTPFields()
            twoLines.append(HTTPField(name: .authorization, value: "Bearer \(u1)"))
            twoLines.append(HTTPField(name: .authorization, value: "Bearer \(u1)"))
            let twoHeaders = try await client.execute(uri: "/v1/users/u1/counts", method: .get, headers: twoLines)
            #expect(twoHeaders.status == .unauthorized)

            // Its expiry is rounded up to a whole second: two to three seconds from its minting.
            try await Task.sleep(for: .milliseconds(expiry.milliseconds - Timestamp.now().milliseconds + 100))
            #expect(try await client.get("/v1/users/u1/counts", credential: expired).status == .unauthorized)
            #expect(try await client.get("/healthz", credential: "").status == .ok)
        }
        await harness.shutdown()
    }

    /// Tokens a backend signs itself with the shared secret: accepted when they are what API.md
    /// asks for, refused when the header names another algorithm or a critical extension, `nbf`
    /// has not come yet or `iat` is more than a minute ahead (it would outlive revocations).
    @Test func selfSignedTokensNeedHS256AndAPassedNotBefore() async throws {
        struct Claims: JWTPayload {
            var sub: SubjectClaim
            var exp: ExpirationClaim
            var nbf: NotBeforeClaim?
            var iat: IssuedAtClaim?
            func verify(using algorithm: some JWTAlgorithm) async throws {}
        }
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: HTTPHarness.secret), digestAlgorithm: .sha256)
        func token(
            alg: String = "HS256", notBefore: TimeInterval? = nil, issuedAt: Date? = nil,
            expiry: Date = Date().addingTimeInterval(600), header: JWTHeader? = nil
        ) async throws -> String {
            let claims = Claims(
                sub: SubjectClaim(value: "u1"), exp: ExpirationClaim(value: expiry),
                nbf: notBefore.map { NotBeforeClaim(value: Date().addingTimeInterval($0)) },
                iat: issuedAt.map { IssuedAtClaim(value: $0) })
            return try await keys.sign(claims, header: header ?? ["alg": .string(alg)])
        }
        let cases: [(String, HTTPResponse.Status)] = [
            (try await token(), .ok),
            (try await token(notBefore: -5), .ok),
            (try await token(notBefore: 30), .ok),  // within the minute allowed for clocks
            (try await token(notBefore: 3600), .unauthorized),
            (try await token(issuedAt: Date().addingTimeInterval(-5)), .ok),
            (try await token(issuedAt: Date().addingTimeInterval(30)), .ok),  // a clock a little ahead
            (try await token(issuedAt: Date().addingTimeInterval(120)), .unauthorized),
            // Milliseconds where seconds belong (`Date.now()` in JavaScript): issued in year 58,900.
            (
                try await token(issuedAt: Date(timeIntervalSince1970: Date().timeIntervalSince1970 * 1000)),
                .unauthorized
            ),
            (try await token(alg: "HS512"), .unauthorized),
            (try await token(alg: "none"), .unauthorized),
            (try await token(alg: "hs256"), .unauthorized),
            // An `exp` past what milliseconds since 1970 hold in 64 bits once stopped the server.
            (try await token(expiry: Date(timeIntervalSince1970: 1e300)), .ok),
            (try await token(expiry: Date(timeIntervalSince1970: 9.3e15)), .ok),
            (try await token(expiry: Date(timeIntervalSince1970: 253_402_300_800)), .ok),  // year 10000
            (try await token(expiry: Date(timeIntervalSince1970: -1e300)), .unauthorized),
            // No JWS extension is understood, so a token that lists one as critical is invalid.
            (try await token(header: ["alg": "HS256", "crit": ["exp"]]), .unauthorized),
            (try await token(header: ["alg": "HS256", "crit": .array([])]), .unauthorized),
            (try await token(header: ["alg": "HS256", "kid": "any", "typ": "JWT"]), .ok),
        ]
        let harness = try await HTTPHarness()
        try await harness.app.test(.router) { client in
            for (index, (credential, status)) in cases.enumerated() {
                let answer = try await client.get("/v1/users/u1/counts", credential: credential)
                #expect(answer.status == status, "case \(index)")
            }
        }
        await harness.shutdown()
    }

    @Test func tokensAreMintedForOneUser() async throws {
        let harness = try await HTTPHarness()
        try await harness.app.test(.router) { client in
            let minted = try await client.post("/v1/users/u9/tokens", json: #"{"ttl_seconds": 60}"#)
            #expect(minted.status == .created)
            let body = try minted.json()
            let token = try #require(body["token"] as? String)
            let expiresAt = try #require(body["expires_at"] as? String)
            #expect(expiresAt.hasSuffix(".000Z"))
            // `exp` is whole seconds (verifiers with an integer claim reject a fraction), the
            // second `expires_at` names.
            let payload = try #require(token.split(separator: ".").dropFirst().first)
            var base64 = payload.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
            let claims = try #require(Data(base64Encoded: base64))
            let exp = try #require(String(decoding: claims, as: UTF8.self).firstMatch(of: /"exp":([0-9.]+)/)?.1)
            let seconds = try #require(Int64(exp))
            #expect(Timestamp(milliseconds: seconds * 1000).description == expiresAt)
            let remaining = seconds * 1000 - Timestamp.now().milliseconds
            #expect(remaining > 59_000 && remaining <= 61_000)
            #expect(try await client.get("/v1/users/u9/counts", credential: token).status == .ok)
            #expect(try await client.get("/v1/users/u8/counts", credential: token).status == .forbidden)
            let defaulted = try await client.post("/v1/users/u9/tokens", json: "")
            #expect(defaulted.status == .created)
            let misspelt = try await client.post("/v1/users/u9/tokens", json: #"{"ttl": 60}"#)
            #expect(misspelt.status == .badRequest)
            #expect(
                try misspelt.json()[object: "error"]["message"] as? String
                    == "a token request takes only ttl_seconds; unknown member: ttl")
            let tooLong = try await client.post("/v1/users/u9/tokens", json: #"{"ttl_seconds": 2592001}"#)
            #expect(tooLong.status == .badRequest)
        }
        await harness.shutdown()
    }

    /// Seen, state changes and delete take no body: none, or `{}`. A member is refused and changes
    /// nothing, rather than ignored (`{"type": …}` meant to narrow a seen once marked every
    /// notification seen).
    @Test func routesThatTakeNoBodyRefuseMembersRatherThanIgnoreThem() async throws {
        let harness = try await HTTPHarness()
        try await harness.app.test(.router) { client in
            for id in ["a", "b"] {
                let created = try await client.post(
                    "/v1/notifications", json: #"{"user": "nb", "id": "\#(id)", "type": "t\#(id)"}"#)
                #expect(created.status == .created)
            }
            func message(_ answer: TestResponse) throws -> String? {
                try answer.json()[object: "error"]["message"] as? String
            }
            let narrowed = try await client.post("/v1/users/nb/seen", json: #"{"type": "ta"}"#)
            #expect(narrowed.status == .badRequest)
            #expect(
                try message(narrowed)
                    == "seen takes no members (it marks every notification seen; read-all narrows by type or tag); "
                    + "unknown member: type")
            let read = try await client.post("/v1/users/nb/notifications/a/read", json: #"{"read": true}"#)
            #expect(try message(read) == "read takes no members; unknown member: read")
            let deleted = try await client.execute(
                uri: "/v1/users/nb/notifications/b", method: .delete, headers: .bearer(json: true),
                body: ByteBuffer(string: #"{"force": true}"#))
            #expect(try message(deleted) == "delete takes no members; unknown member: force")
            #expect(try await client.post("/v1/users/nb/seen", json: "[]").status == .badRequest)
            let plain = try await client.execute(
                uri: "/v1/users/nb/seen", method: .post, headers: .bearer(), body: ByteBuffer(string: "all"))
            #expect(plain.status == .unsupportedMediaType)
            // None of them changed anything.
            let counts = try await client.get("/v1/users/nb/counts").json()
            #expect(counts.int("unread") == 2 && counts.int("unseen") == 2 && counts.int("seq") == 2)

            #expect(try await client.post("/v1/users/nb/notifications/a/read", json: "{}").status == .ok)
            #expect(try await client.post("/v1/users/nb/seen", json: " { } ").status == .ok)
            let bare = try await client.execute(
                uri: "/v1/users/nb/notifications/b", method: .delete, headers: .bearer())
            #expect(bare.status == .ok)
            let after = try await client.get("/v1/users/nb/counts").json()
            #expect(after.int("unread") == 0 && after.int("unseen") == 0 && after.int("seq") == 5)
        }
        await harness.shutdown()
    }

    @Test func stateChangesAreIdempotentAndCountsStayExact() async throws {
        let harness = try await HTTPHarness()
        try await harness.app.test(.router) { client in
            for id in ["a", "b", "c"] {
                _ = try await client.post(
                    "/v1/notifications", json: #"{"user":"u1","id":"\#(id)","type":"t","tags":["g"]}"#)
            }
            let read = try await client.post("/v1/users/u1/notifications/a/read", json: "")
            #expect(read.status == .ok)
            let readBody = try read.json()
            #expect(readBody[object: "notification"]["read_at"] is String)
            #expect(readBody[object: "notification"]["seen_at"] is String)
            #expect(readBody[object: "counts"].int("unread") == 2)
            #expect(readBody[object: "counts"].int("unseen") == 2)
            let again = try await client.post("/v1/users/u1/notifications/a/read", json: "")
            #expect(try again.json()[object: "counts"].int("seq") == readBody[object: "counts"].int("seq"))

            let unread = try await client.post("/v1/users/u1/notifications/a/unread", json: "")
            #expect(try unread.json()[object: "counts"].int("unread") == 3)
            #expect(try unread.json()[object: "counts"].int("unseen") == 2)
            let archived = try await client.post("/v1/users/u1/notifications/b/archive", json: "")
            #expect(try archived.json()[object: "counts"].int("unread") == 2)
            let unarchived = try await client.post("/v1/users/u1/notifications/b/unarchive", json: "")
            #expect(try unarchived.json()[object: "counts"].int("unread") == 3)
            let missing = try await client.post("/v1/users/u1/notifications/zzz/read", json: "")
            #expect(missing.status == .notFound)

            let seen = try await client.post("/v1/users/u1/seen", json: "")
            #expect(try seen.json().int("updated") == 2)
            #expect(try seen.json()[object: "counts"].int("unseen") == 0)
            // A filter that cannot be read refuses the whole request: it never widens to "all".
            for body in [
                #"{"typo":"g"}"#, #"{"tag":"g","tags":["x"]}"#, #"{"type":""}"#, #"{"tag":5}"#, "[]", #"{"type":null}"#,
                #"{"tag":null,"type":"t"}"#,
            ] {
                let refused = try await client.post("/v1/users/u1/notifications/read-all", json: body)
                #expect(refused.status == .badRequest, "\(body)")
                #expect(try refused.errorCode() == "invalid_field", "\(body)")
            }
            #expect(try await client.get("/v1/users/u1/counts").json().int("unread") == 3)
            let readAll = try await client.post("/v1/users/u1/notifications/read-all", json: #"{"tag":"g"}"#)
            #expect(try readAll.json().int("updated") == 3)
            #expect(try readAll.json()[object: "counts"].int("unread") == 0)

            let deleted = try await client.execute(
                uri: "/v1/users/u1/notifications/c", method: .delete, headers: .bearer())
            #expect(deleted.status == .ok)
            #expect(try deleted.json()[object: "counts"].int("seq") != nil)
            let deletedAgain = try await client.execute(
                uri: "/v1/users/u1/notifications/c", method: .delete, headers: .bearer())
            #expect(deletedAgain.status == .notFound)
            #expect(try await client.get("/v1/users/u1/notifications/c").status == .notFound)

            let counts = try await client.get("/v1/users/u1/counts")
            let truth = try await harness.services.store.counts(user: "u1")
            #expect(try counts.json().int("unread") == Int(truth.unread))
            #expect(try counts.json().int("seq") == Int(truth.seq))
            #expect(try counts.json()["user"] as? String == "u1")
        }
        await harness.shutdown()
    }

    @Test func listPaginatesWithCursors() async throws {
        let harness = try await HTTPHarness()
        try await harness.app.test(.router) { client in
            for index in 0..<5 {
                _ = try await client.post(
                    "/v1/notifications",
                    json: #"{"user":"u1","id":"n\#(index)","type":"\#(index % 2 == 0 ? "even" : "odd")"}"#)
            }
            var pages: [[String]] = []
            var uri = "/v1/users/u1/notifications?limit=2"
            while true {
                let page = try await client.get(uri).json()
                pages.append((page["notifications"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
                guard let cursor = page["next_cursor"] as? String else {
                    #expect(page["next_cursor"] is NSNull)
                    break
                }
                uri = "/v1/users/u1/notifications?limit=2&cursor=\(cursor)"
            }
            // The last page says it is the last: no cursor to an empty page.
            #expect(pages == [["n4", "n3"], ["n2", "n1"], ["n0"]])
            // A page that holds exactly what is left, too.
            #expect(try await client.get("/v1/users/u1/notifications?limit=5").json()["next_cursor"] is NSNull)
            let odd = try await client.get("/v1/users/u1/notifications?type=odd").json()
            #expect((odd["notifications"] as? [Any])?.count == 2)
            let one = try await client.get("/v1/users/u1/notifications/n3").json()
            #expect(one["type"] as? String == "odd")
        }
        await harness.shutdown()
    }

    @Test func batchResultsKeepInputOrder() async throws {
        let harness = try await HTTPHarness()
        try await harness.app.test(.router) { client in
            _ = try await client.post("/v1/notifications", json: #"{"user":"u1","id":"dup","type":"t"}"#)
            let body = #"""
                {"notifications": [
                  {"user":"u1","id":"x1","type":"t"},
                  {"user":"bad user","type":"t"},
                  {"user":"u1","id":"dup","type":"t"},
                  {"user":"u1","id":"dup","type":"other"},
                  {"user":"u2","type":"t"}
                ]}
                """#
            let response = try await client.post("/v1/notifications/batch", json: body)
            #expect(response.status == .ok)
            let results = try #require(try response.json()["results"] as? [[String: Any]])
            #expect(results.compactMap { $0["status"] as? Int } == [201, 400, 200, 409, 201])
            #expect((results[1]["error"] as? [String: Any])?["code"] as? String == "invalid_id")
            #expect((results[0]["notification"] as? [String: Any])?["id"] as? String == "x1")
            let tooMany =
                "{\"notifications\": ["
                + Array(repeating: #"{"user":"u","type":"t"}"#, count: 1001).joined(separator: ",") + "]}"
            #expect(try await client.post("/v1/notifications/batch", json: tooMany).status == .badRequest)
            let empty = try await client.post("/v1/notifications/batch", json: #"{"notifications": []}"#)
            #expect(empty.status == .ok)
            #expect((try empty.json()["results"] as? [Any])?.isEmpty == true)
        }
        await harness.shutdown()
    }

    @Test func operationsEndpoints() async throws {
        let harness = try await HTTPHarness()
        try await harness.app.test(.router) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(try health.json()["status"] as? String == "ok")
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            let readiness = try ready.json()
            #expect(readiness["store"] as? String == "up")
            #expect(readiness["cache"] as? String == "up")
            #expect(readiness["broker"] as? String == "up")
            harness.services.memcached.kill()
            // A create of a user nobody read touches no memcached; the probe notices the outage.
            _ = try await client.post("/v1/notifications", json: #"{"user":"u1","type":"t"}"#)
            let noticed = try await ServiceHarness.eventually {
                let degraded = try await client.execute(uri: "/readyz", method: .get)
                return try degraded.status == .ok && degraded.json()["cache"] as? String == "down"
            }
            #expect(noticed, "the probe did not notice memcached is gone")
            #expect(try await client.get("/v1/users/u1/counts").json().int("unread") == 1)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
            #expect(String(buffer: metrics.body).contains("herald_sse_streams_open"))
        }
        await harness.shutdown()
    }
}
