import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Opens one SSE stream and records, for each event carrying a `bt:<run>:<ts>:<seq>` token, the
/// time from `ts` (the publish's scheduled time) to its arrival.
enum SSESubscriber {
    static func open(
        host: String, port: Int, path: String, headers: [(String, String)], log: DeliveryLog,
        group: any EventLoopGroup, countdown: EventCountdown? = nil
    ) async throws -> any Channel {
        guard RequestText.isValidPath(path) else { throw BenchError("invalid stream path \(path)") }
        let headerLines = try RequestText.headerLines(
            host: host, headers: [("Accept", "text/event-stream")] + headers)
        let channel = try await ClientConnector.connect(host: host, port: port, group: group) {
            SSEHandler(log: log, countdown: countdown)
        }
        let request = "GET \(path) HTTP/1.1\r\n\(headerLines)\r\n"
        try await channel.writeAndFlush(ByteBuffer(string: request)).get()
        return channel
    }
}
