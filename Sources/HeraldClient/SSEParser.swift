/// Incremental Server-Sent Events parser (the WHATWG event-stream rules): feed it bytes as they
/// arrive, take complete events out. Handles `\n`, `\r\n` and `\r` line ends, comments, multi-line
/// data, `retry:` and blocks without data (dispatched as nothing, as browsers do).
public struct SSEParser: Sendable {
    private var line: [UInt8] = []
    private var lastWasCR = false
    private var id: String?
    private var event: String?
    private var data: [String] = []
    private var hasData = false

    /// The last `retry:` value in milliseconds, if the server sent one.
    public private(set) var retryMilliseconds: Int?
    /// The last `id:` seen (the browser's "last event ID"), kept across events.
    public private(set) var lastEventID: String?

    public init() {}

    /// Consumes `bytes`; returns the events they completed, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [SSEEvent] {
        var events: [SSEEvent] = []
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\n"):
                if lastWasCR {
                    lastWasCR = false
                    continue
                }
                if let event = endLine() { events.append(event) }
            case UInt8(ascii: "\r"):
                lastWasCR = true
                if let event = endLine() { events.append(event) }
            default:
                lastWasCR = false
                line.append(byte)
            }
        }
        return events
    }

    private mutating func endLine() -> SSEEvent? {
        defer { line.removeAll(keepingCapacity: true) }
        guard !line.isEmpty else { return dispatch() }
        if line[0] == UInt8(ascii: ":") { return nil }  // comment (heartbeat)
        let text = String(decoding: line, as: UTF8.self)
        let field: Substring
        var value: Substring
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            value = text[text.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
        } else {
            field = text[...]
            value = ""
        }
        switch field {
        case "event": event = String(value)
        case "data":
            data.append(String(value))
            hasData = true
        case "id" where !value.contains("\0"): id = String(value)
        case "retry": if let milliseconds = Int(value) { retryMilliseconds = milliseconds }
        default: break
        }
        return nil
    }

    private mutating func dispatch() -> SSEEvent? {
        if let id { lastEventID = id }
        defer {
            id = nil
            event = nil
            data = []
            hasData = false
        }
        guard hasData else { return nil }
        return SSEEvent(id: id ?? lastEventID, event: event ?? "message", data: data.joined(separator: "\n"))
    }
}
