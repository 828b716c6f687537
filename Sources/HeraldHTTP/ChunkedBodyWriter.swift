import NIOCore

/// Writes a response body as HTTP/1.1 chunks straight to the connection below NIO's response
/// encoder, whose head was sent through that encoder with chunked framing: each flush is one
/// buffer holding the chunk's size line, its data and its closing line, in one write.
///
/// Through the pipeline, every piece of a stream's body would be converted from `HTTPTypes`,
/// passed through the handlers between, and framed by the encoder in three writes (size line,
/// data, line end). Buffers made by ``makeBuffer(allocator:capacity:)`` keep room in front for the size
/// line, so framing copies nothing. The last chunk still goes through the encoder (its `end`),
/// which writes the terminating zero-size chunk after everything written here.
struct ChunkedBodyWriter {
    /// The context of NIO's `HTTPResponseEncoder`: a write here goes on toward the socket.
    let wire: ChannelHandlerContext

    /// Room for the longest size line: 8 hex digits (chunks stay far below 4 GB) and CRLF.
    static let sizeLineRoom = 10

    /// An empty buffer of `capacity` bytes in all, the first ``sizeLineRoom`` of them kept for the
    /// size line (an idle stream holds one: its size is its memory).
    static func makeBuffer(allocator: ByteBufferAllocator, capacity: Int) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: max(capacity, sizeLineRoom + 16))
        buffer.moveWriterIndex(forwardBy: sizeLineRoom)
        buffer.moveReaderIndex(forwardBy: sizeLineRoom)
        return buffer
    }

    /// Frames the readable bytes of `body` (made by ``makeBuffer(allocator:capacity:)``, not
    /// empty) as one chunk, in place when nothing else holds it, and writes and flushes it.
    func writeAndFlush(_ body: consuming ByteBuffer) {
        var chunk = body
        Self.frame(&chunk)
        wire.writeAndFlush(NIOAny(chunk), promise: nil)
    }

    /// Puts the size line in front of the readable bytes and the closing CRLF after them.
    static func frame(_ buffer: inout ByteBuffer) {
        precondition(buffer.readableBytes > 0, "an empty chunk would end the body")
        let sizeLine = String(buffer.readableBytes, radix: 16) + "\r\n"
        let start = buffer.readerIndex - sizeLine.utf8.count
        precondition(start >= 0, "the buffer has no room for the size line")
        buffer.setString(sizeLine, at: start)
        buffer.moveReaderIndex(to: start)
        buffer.writeStaticString("\r\n")
    }
}
