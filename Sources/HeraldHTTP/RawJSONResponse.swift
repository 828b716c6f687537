import HTTPTypes
import NIOCore
import NIOHTTP1

/// A JSON response as the bytes NIO's encoder makes of Hummingbird's as it arrives from the
/// `HTTPTypes` conversion (same names, order and status line), for the handlers that write to the
/// wire themselves: one buffer and one write, without building a head and passing three parts
/// through the encoder.
enum RawJSONResponse {
    /// What the answer's `Connection` header says, where Hummingbird's answer has it.
    enum ConnectionHeader {
        /// None: the connection stays open (HTTP/1.1).
        case unsaid
        /// `Connection: close` (before `Date`, where ``RequestMiddleware`` puts it): the
        /// connection closes after the answer.
        case close
        /// `Connection: keep-alive` (last, where ``HTTP1AnswerRewriter`` adds it): an HTTP/1.0
        /// request asked to keep its connection.
        case keepAlive
    }

    /// - Parameters:
    ///   - serverName: the `Server` header, when the application sets one.
    ///   - connection: what the `Connection` header says.
    static func bytes(
        _ status: HTTPResponse.Status, _ body: [UInt8], requestID: LoopRequestID, serverName: String?,
        connection: ConnectionHeader = .unsaid, retryAfterSeconds: Int? = nil, allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 192 + body.count)
        buffer.writeStaticString("HTTP/1.1 ")
        buffer.writeString(String(status.code))
        buffer.writeStaticString(" ")
        buffer.writeString(HTTPResponseStatus(statusCode: status.code).reasonPhrase)
        buffer.writeStaticString("\r\nContent-Type: ")
        buffer.writeString(JSONIO.contentType)
        buffer.writeStaticString("\r\nCache-Control: ")
        buffer.writeString(JSONIO.cacheControl)
        if let retryAfterSeconds {
            buffer.writeStaticString("\r\nRetry-After: ")
            buffer.writeString(String(retryAfterSeconds))
        }
        buffer.writeStaticString("\r\nContent-Length: ")
        buffer.writeString(String(body.count))
        buffer.writeStaticString("\r\nX-Request-Id: ")
        requestID.write(to: &buffer)
        if connection == .close { buffer.writeStaticString("\r\nConnection: close") }
        buffer.writeStaticString("\r\nDate: ")
        buffer.writeString(HTTPDate.now)
        if let serverName {
            buffer.writeStaticString("\r\nServer: ")
            buffer.writeString(serverName)
        }
        if connection == .keepAlive { buffer.writeStaticString("\r\nConnection: keep-alive") }
        buffer.writeStaticString("\r\n\r\n")
        buffer.writeBytes(body)
        return buffer
    }
}
