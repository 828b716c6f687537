import HTTPTypes
import HeraldTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import HeraldHTTP

/// `DELETE /v1/users/{user}/notifications` over HTTP: who may, what it answers, and what open and
/// resuming streams are told.
@Suite(.timeLimit(.minutes(1)))
struct DeleteAllRouteTests {
    static let auth = ["Authorization": "Bearer \(HTTPHarness.apiKey)"]

    @Test(arguments: [true, false])
    func deletingEveryNotificationAnswersTheCountAndResetsStreams(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath)
        try await harness.app.test(.live) { client in
            let port = try #require(client.port)
            for id in ["a", "b"] {
                let created = try await client.post(
                    "/v1/notifications", json: #"{"user":"u1","id":"\#(id)","type":"t"}"#)
                #expect(created.status == .created)
            }
            _ = try await client.get("/v1/users/u1/counts")  // cached, then changed by the delete
            let stream = try await SSEReader(port: port, path: "/v1/users/u1/stream", headers: Self.auth)
            #expect(try await stream.nextEvent()?.event == "counts")

            let u1 = try await harness.token("u1")
            let other = try await client.execute(
                uri: "/v1/users/u2/notifications", method: .delete, headers: .bearer(try await harness.token("u2x")))
            #expect(other.status == .forbidden)
            let withMember = try await client.execute(
                uri: "/v1/users/u1/notifications", method: .delete, headers: .bearer(u1, json: true),
                body: ByteBuffer(string: #"{"type":"t"}"#))
            #expect(withMember.status == .badRequest)
            #expect(try withMember.errorCode() == "invalid_field")

            let deleted = try await client.execute(
                uri: "/v1/users/u1/notifications", method: .delete, headers: .bearer(u1))
            #expect(deleted.status == .ok)
            let body = try deleted.json()
            #expect(body["deleted"] as? Int == 2)
            #expect(body[object: "counts"]["seq"] as? Int == 3 && body[object: "counts"]["unread"] as? Int == 0)

            let reset = try #require(try await stream.nextEvent())
            #expect(reset.event == "reset" && reset.id == "3")
            #expect(reset.json["unread"] as? Int == 0 && reset.json["user"] as? String == "u1")
            await stream.close()

            let counts = try await client.get("/v1/users/u1/counts").json()
            #expect(counts["seq"] as? Int == 3 && counts["unread"] as? Int == 0)
            #expect(
                (try await client.get("/v1/users/u1/notifications").json()["notifications"] as? [Any])?.isEmpty == true)
            #expect(try await client.get("/v1/users/u1/notifications/a").status == .notFound)

            // A browser that had seen event 1 resumes: the events it missed are gone, so reset.
            var headers = Self.auth
            headers["Last-Event-ID"] = "1"
            let resumed = try await SSEReader(port: port, path: "/v1/users/u1/stream", headers: headers)
            let first = try #require(try await resumed.nextEvent())
            #expect(first.event == "reset" && first.id == "3")
            await resumed.close()

            let again = try await client.execute(uri: "/v1/users/u1/notifications", method: .delete, headers: .bearer())
            #expect(try again.json()["deleted"] as? Int == 0)
            #expect(try again.json()[object: "counts"]["seq"] as? Int == 3)
        }
        await harness.shutdown()
    }

    /// A path with an empty segment names nothing: `DELETE …/notifications/` (a notification id
    /// that came out empty) once reached the route that deletes every notification of the user,
    /// since the router skips empty segments.
    @Test(arguments: [true, false])
    func aPathWithAnEmptySegmentDeletesNothing(fastPath: Bool) async throws {
        let harness = try await HTTPHarness(fastPath: fastPath)
        try await harness.app.test(.live) { client in
            for id in ["a", "b"] {
                let created = try await client.post(
                    "/v1/notifications", json: #"{"user":"u1","id":"\#(id)","type":"t"}"#)
                #expect(created.status == .created)
            }
            for (method, uri) in [
                (HTTPRequest.Method.delete, "/v1/users/u1/notifications/"),
                (.delete, "/v1/users/u1/notifications//"), (.delete, "/v1/users/u1//notifications"),
                (.post, "/v1/users/u1/notifications/read-all/"), (.post, "/v1/users/u1/seen/"),
                (.get, "/v1/users/u1/counts/"), (.get, "/v1/users//counts"),
            ] {
                let answer = try await client.execute(uri: uri, method: method, headers: .bearer())
                #expect(answer.status == .notFound, "\(method) \(uri)")
                #expect(try answer.errorCode() == "not_found", "\(method) \(uri)")
            }
            let counts = try await client.get("/v1/users/u1/counts").json()
            #expect(counts["unread"] as? Int == 2 && counts["unseen"] as? Int == 2 && counts["seq"] as? Int == 2)
        }
        await harness.shutdown()
    }
}
