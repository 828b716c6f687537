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

    /// Written piece by piece into the buffer: no intermediate `String` of the whole event, whose
    /// data (the notification's JSON) is most of it.
    static func append(id: Int64, name: EventName, data: String, to buffer: inout ByteBuffer) {
        buffer.writeStaticString("id: ")
        buffer.writeString(String(id))
        buffer.writeStaticString("\nevent: ")
        buffer.writeString(name.rawValue)
        buffer.writeStaticString("\ndata: ")
        buffer.writeString(data)
        buffer.writeStaticString("\n\n")
    }
}
