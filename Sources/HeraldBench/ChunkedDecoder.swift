/// Takes the payload out of a chunked HTTP/1.1 body (RFC 9112 §7.1) as its bytes arrive, for
/// streams that never end, such as SSE: chunk sizes, extensions and trailers are read and dropped.
struct ChunkedDecoder {
    private enum State {
        case size(Int, digits: Int)
        case sizeExtension(Int)
        case sizeEnd(Int)
        case data(remaining: Int)
        case dataEnd(sawCR: Bool)
        case trailerStart
        case trailer
        case lastLine
        case finished
    }

    private var state = State.size(0, digits: 0)

    /// The last chunk and the trailers have been read.
    var isFinished: Bool {
        if case .finished = state { return true }
        return false
    }

    /// Reads `bytes`, handing each run of payload bytes to `payload` in order; returns how many
    /// bytes it read, fewer than given only when the body ended before them.
    @discardableResult
    mutating func feed(
        _ bytes: ArraySlice<UInt8>, payload: (ArraySlice<UInt8>) -> Void = { _ in }
    ) throws(BenchError)
        -> Int
    {
        var index = bytes.startIndex
        while index < bytes.endIndex && !isFinished {
            let byte = bytes[index]
            switch state {
            case .size(let size, let digits):
                if let nibble = Self.hexadecimalValue(byte) {
                    guard digits < 15 else { throw BenchError("a chunk size too large") }
                    state = .size(size << 4 | nibble, digits: digits + 1)
                } else if digits > 0 && byte == UInt8(ascii: ";") {
                    state = .sizeExtension(size)
                } else if digits > 0 && byte == 13 {
                    state = .sizeEnd(size)
                } else {
                    throw BenchError("a malformed chunk size")
                }
            case .sizeExtension(let size):
                if byte == 13 { state = .sizeEnd(size) }
            case .sizeEnd(let size):
                guard byte == 10 else { throw BenchError("a chunk size line not ended by CRLF") }
                state = size == 0 ? .trailerStart : .data(remaining: size)
            case .data(let remaining):
                let end = min(bytes.endIndex, index + remaining)
                payload(bytes[index..<end])
                state = remaining == end - index ? .dataEnd(sawCR: false) : .data(remaining: remaining - (end - index))
                index = end
                continue
            case .dataEnd(let sawCR):
                guard byte == (sawCR ? 10 : 13) else { throw BenchError("a chunk not followed by CRLF") }
                state = sawCR ? .size(0, digits: 0) : .dataEnd(sawCR: true)
            case .trailerStart:
                state = byte == 13 ? .lastLine : .trailer
            case .trailer:
                if byte == 10 { state = .trailerStart }
            case .lastLine:
                guard byte == 10 else { throw BenchError("a chunked body not ended by CRLF") }
                state = .finished
            case .finished:
                break
            }
            index += 1
        }
        return index - bytes.startIndex
    }

    private static func hexadecimalValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 48...57: Int(byte - 48)
        case 65...70: Int(byte - 55)
        case 97...102: Int(byte - 87)
        default: nil
        }
    }
}
