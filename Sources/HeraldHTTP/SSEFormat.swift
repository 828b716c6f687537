import HeraldCore
import NIOCore

/// Server-Sent Events wire format.
enum SSEFormat {
    static let contentType = "text/event-stream"
    static let preamble = "retry: 2000\n\n"
    static let ping = ": ping\n\n"

    static func append(_ event: UserEvent, to buffer: inout ByteBuffer) {
        append(id: event.seq, name: event.name, data: event.data, to: &buffer)
    }

    static func append(id: Int64, name: EventName, data: String, to buffer: inout ByteBuffer) {
        buffer.writeString("id: \(id)\nevent: \(name.rawValue)\ndata: \(data)\n\n")
    }
}
