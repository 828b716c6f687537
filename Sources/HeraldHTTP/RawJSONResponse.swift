import HTTPTypes
import NIOCore
import NIOHTTP1

/// A JSON response as the bytes NIO's encoder makes of Hummingbird's as it arrives from the
/// `HTTPTypes` conversion (same names, order and status line), for the handlers that write to the
/// wire themselves: one buffer and one write, without building a head and passing three parts
/// through the encoder.
enum RawJSONResponse {
    /// - Parameters:
    ///   - serverName: the `Server` header, when the application sets one.
    ///   - closing: whether the connection closes after it (`Connection: close`).
    static func bytes(
        _ status: HTTPResponse.Status, _ body: [UInt8], requestID: LoopRequestID, serverName: String?,
        closing: Bool = false, allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 192 + body.count)
        buffer.writeStaticString("HTTP/1.1 ")
        buffer.writeString(String(status.code))
        buffer.writeStaticString(" ")
        buffer.writeString(HTTPResponseStatus(statusCode: status.code).reasonPhrase)
        buffer.writeStaticString("\r\nContent-Type: ")
        buffer.writeString(JSONIO.contentType)
        buffer.writeStaticString("\r\nContent-Length: ")
        buffer.writeString(String(body.count))
        buffer.writeStaticString("\r\nX-Request-Id: ")
        requestID.write(to: &buffer)
        if closing { buffer.writeStaticString("\r\nConnection: close") }
        buffer.writeStaticString("\r\nDate: ")
        buffer.writeString(HTTPDate.now)
        if let serverName {
            buffer.writeStaticString("\r\nServer: ")
            buffer.writeString(serverName)
        }
        buffer.writeStaticString("\r\n\r\n")
        buffer.writeBytes(body)
        return buffer
    }
}
