import HeraldCore
import NIOCore

/// Server-Sent Events wire format.
enum SSEFormat {
    static let preamble = "retry: 2000\n\n"
    static let ping = ": ping\n\n"

    static func append(_ event: UserEvent, to buffer: inout ByteBuffer) {
        buffer.writeString("id: \(event.seq)\nevent: \(event.name.rawValue)\ndata: \(event.data)\n\n")
    }

    static func append(id: Int64, name: EventName, data: String, to buffer: inout ByteBuffer) {
        buffer.writeString("id: \(id)\nevent: \(name.rawValue)\ndata: \(data)\n\n")
    }
}
