public import Foundation

/// Renders stream events as one readable terminal line each (`herald tail`), with ANSI colors
/// when asked: `10:00:01  #42  notification.created  unread 3  unseen 5  [order.shipped] Title (id)`.
public struct EventLineFormatter: Sendable {
    public var colored: Bool

    public init(colored: Bool) { self.colored = colored }

    public func line(for event: SSEEvent, at date: Date = .now) -> String {
        let object = (try? JSONSerialization.jsonObject(with: Data(event.data.utf8))) as? [String: Any] ?? [:]
        let time = Self.clock(date)
        var parts = [paint(time, "2"), paint("#\(event.id ?? "-")", "1"), paint(event.event, color(of: event.event))]
        if let unread = object["unread"], let unseen = object["unseen"] {
            parts.append("unread \(unread)  unseen \(unseen)")
        }
        if let detail = Self.detail(of: event.event, object) { parts.append(detail) }
        return parts.joined(separator: "  ")
    }

    private static func detail(of name: String, _ object: [String: Any]) -> String? {
        if let notification = object["notification"] as? [String: Any] {
            let type = notification["type"] as? String ?? "?"
            let title = notification["title"] as? String
            let id = notification["id"] as? String ?? "?"
            return "[\(type)] " + (title.map { "\($0) " } ?? "") + "(\(id))"
        }
        if let id = object["id"] as? String { return "id \(id)" }
        if let updated = object["updated"] { return "updated \(updated)" }
        if let user = object["user"] as? String { return "user \(user)" }
        return nil
    }

    private func color(of name: String) -> String {
        switch name {
        case "notification.created": "32"
        case "notification.read", "notification.unread", "notifications.read_all", "notifications.seen": "34"
        case "notification.archived", "notification.unarchived", "notification.deleted", "notification.expired": "33"
        case "reset": "31"
        default: "36"
        }
    }

    private func paint(_ text: String, _ code: String) -> String {
        colored ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    private static func clock(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        return formatter.string(from: date)
    }
}
