import ArgumentParser
import Foundation
import HeraldClient

/// `herald send --user U --type T --title …`: creates a notification on a running server.
struct Send: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create a notification.")

    @Option(help: "The recipient.")
    var user: String

    @Option(help: "The notification type, e.g. order.shipped.")
    var type: String

    @Option(help: "The title.")
    var title: String?

    @Option(help: "The body text.")
    var body: String?

    @Option(help: "An id (default: the server makes one); sending the same id again is a replay.")
    var id: String?

    @Option(help: "A JSON object of extra data, e.g. '{\"order_id\": 1234}'.")
    var data: String?

    @Option(name: .customLong("tag"), help: "A tag (repeatable).")
    var tags: [String] = []

    @Option(name: .customLong("ttl"), help: "Lifetime in seconds (default: the server's).")
    var ttlSeconds: Int?

    @Option(help: "When it expires instead, RFC 3339 (e.g. 2026-12-24T18:00:00Z or …+01:00).")
    var expiresAt: String?

    @OptionGroup var options: ClientOptions

    func validate() throws {
        _ = try dataObject()
    }

    /// `--data` read as a JSON object (nil without it).
    private func dataObject() throws -> [String: Any]? {
        guard let data else { return nil }
        guard let value = try? JSONSerialization.jsonObject(with: Data(data.utf8), options: .fragmentsAllowed) else {
            throw ValidationError("--data is not valid JSON: write a JSON object, e.g. '{\"order_id\": 1234}'")
        }
        guard let object = value as? [String: Any] else {
            throw ValidationError("--data must be a JSON object, e.g. '{\"order_id\": 1234}'")
        }
        return object
    }

    /// The create's JSON members: those of the flags given (no `tags` without a `--tag`).
    func notification() throws -> [String: Any] {
        var notification: [String: Any] = ["user": user, "type": type]
        notification["title"] = title
        notification["body"] = body
        notification["id"] = id
        notification["ttl_seconds"] = ttlSeconds
        notification["expires_at"] = expiresAt
        if !tags.isEmpty { notification["tags"] = tags }
        notification["data"] = try dataObject()
        return notification
    }

    func run() async throws {
        let sending = try notification()
        try await options.printAnswer(of: { client throws(HeraldClientError) in try await client.send(sending) }) {
            answer in
            let created = answer["notification"] as? [String: Any] ?? [:]
            let counts = answer["counts"] as? [String: Any] ?? [:]
            return "sent \(created["id"] ?? "?") to \(user): \(Terminal.counts(counts))"
        }
    }
}
