import NIOCore
import Testing

@testable import HeraldHTTP

/// The framing of stream chunks written below NIO's encoder, which must be what the encoder
/// would have written: size in hex, CRLF, the data, CRLF.
struct ChunkedBodyWriterTests {
    @Test(arguments: [1, 15, 16, 255, 256, 4_096, 70_000])
    func aChunkIsItsHexSizeLineTheDataAndALineEnd(size: Int) {
        var buffer = ChunkedBodyWriter.makeBuffer(allocator: ByteBufferAllocator(), capacity: 16)
        #expect(buffer.readableBytes == 0)
        let data = String(repeating: "x", count: size - 1) + "\n"
        buffer.writeString(data)
        ChunkedBodyWriter.frame(&buffer)
        #expect(String(buffer: buffer) == String(size, radix: 16) + "\r\n" + data + "\r\n")
    }

    @Test func theRoomInFrontFitsTheLongestSizeLine() {
        let longest = String(UInt32.max, radix: 16) + "\r\n"
        #expect(longest.utf8.count == ChunkedBodyWriter.sizeLineRoom)
    }
}
