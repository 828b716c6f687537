import Testing

@testable import herald_bench

/// Chunked bodies taken apart as their bytes arrive.
struct ChunkedDecoderTests {
    let body = Array("5;ext=1\r\nhello\r\nB\r\n, streams!\n\r\n0\r\nX-Trailer: t\r\n\r\n".utf8)

    @Test func payloadIsTheSameInOnePieceOrByteByByte() throws {
        var whole = ChunkedDecoder()
        var wholePayload: [UInt8] = []
        let read = try whole.feed(body[...] + Array("HTTP/1.1".utf8)) { wholePayload += $0 }
        #expect(String(decoding: wholePayload, as: UTF8.self) == "hello, streams!\n")
        #expect(whole.isFinished)
        #expect(read == body.count)

        var piecewise = ChunkedDecoder()
        var piecewisePayload: [UInt8] = []
        for index in body.indices {
            #expect(!piecewise.isFinished)
            #expect(try piecewise.feed(body[index...index]) { piecewisePayload += $0 } == 1)
        }
        #expect(piecewise.isFinished)
        #expect(piecewisePayload == wholePayload)
    }

    @Test func malformedFramingIsAnError() {
        for text in ["zz\r\n", "\r\n", "2\r\nabc\r\n", "2\nab", "2\r\nab\r\r", "0\r\n\r\r", "1234567890abcdef0\r\n"] {
            var decoder = ChunkedDecoder()
            #expect(throws: BenchError.self, "\(text.debugDescription)") { try decoder.feed(Array(text.utf8)[...]) }
        }
    }
}
