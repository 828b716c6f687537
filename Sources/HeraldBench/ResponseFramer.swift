/// Finds where HTTP/1.1 responses end in the bytes a connection received, and their status codes.
///
/// The load generator shares the two cores with the server it measures, so its own cost per request
/// is taken from the server. NIO's HTTP client codec (request head and header validation, llhttp,
/// a response head with its headers, the parts as `NIOAny`) cost the generator ~11 µs of user CPU per
/// request, a fifth of all the CPU a counts read took. The generator only needs each response's
/// status and end, so it frames responses itself: the status line, `Content-Length` or chunked
/// bodies, interim 1xx answers, and the responses that never have a body.
enum ResponseFramer {
    /// The largest response head accepted.
    static let maximumHeadLength = 64 * 1024

    /// A complete response at the start of the bytes.
    struct Frame: Equatable {
        /// The final status code (an interim 1xx response before it is part of the frame).
        var status: UInt
        /// Bytes from where the framing started to the end of the response.
        var length: Int
    }

    /// The first complete response in `bytes` from `start`, or nil when more bytes are needed.
    /// - Parameter bodiless: the request was a HEAD, whose response never has a body.
    static func frame(_ bytes: [UInt8], from start: Int = 0, bodiless: Bool = false) throws(BenchError) -> Frame? {
        var headStart = start
        while true {
            guard let head = try parseHead(bytes, from: headStart) else { return nil }
            if (100..<200).contains(head.status) {
                headStart = head.end
                continue
            }
            let end: Int
            if bodiless || head.status == 204 || head.status == 304 {
                end = head.end
            } else if head.chunked {
                guard let chunkedEnd = try chunkedBodyEnd(bytes, from: head.end) else { return nil }
                end = chunkedEnd
            } else if let contentLength = head.contentLength {
                end = head.end + contentLength
                if end > bytes.count { return nil }
            } else {
                throw BenchError("a response with status \(head.status) had neither Content-Length nor a chunked body")
            }
            return Frame(status: head.status, length: end - start)
        }
    }

    /// A response's status line and the headers that frame its body.
    struct Head: Equatable {
        var status: UInt
        /// Where the head ends (after its blank line), as an index into the bytes parsed.
        var end: Int
        var contentLength: Int?
        /// The last transfer coding is `chunked`.
        var chunked = false
    }

    /// The status line and headers from `start`, or nil until the blank line that ends them arrived.
    static func parseHead(_ bytes: [UInt8], from start: Int) throws(BenchError) -> Head? {
        guard let blank = find([13, 10, 13, 10], in: bytes, from: start) else {
            if bytes.count - start > maximumHeadLength { throw BenchError("a response head over 64 KB") }
            return nil
        }
        let statusLine = line(bytes, from: start)
        guard statusLine.count >= 12, bytes[start..<(start + 7)].elementsEqual("HTTP/1.".utf8),
            bytes[start + 8] == UInt8(ascii: " "), let status = decimal(bytes[(start + 9)..<(start + 12)]),
            status >= 100
        else { throw BenchError("a malformed response status line") }
        var head = Head(status: UInt(status), end: blank + 4)
        var cursor = statusLine.upperBound + 2
        while cursor < blank + 2 {
            let field = line(bytes, from: cursor)
            cursor = field.upperBound + 2
            guard let colon = bytes[field].firstIndex(of: UInt8(ascii: ":")) else {
                throw BenchError("a malformed response header line")
            }
            let value = trimmed(bytes[(colon + 1)..<field.upperBound])
            if equalsIgnoringCase(bytes[field.lowerBound..<colon], "content-length") {
                guard let length = decimal(value) else { throw BenchError("a malformed Content-Length") }
                head.contentLength = length
            } else if equalsIgnoringCase(bytes[field.lowerBound..<colon], "transfer-encoding") {
                let codings = value.split(separator: UInt8(ascii: ","))
                head.chunked = codings.last.map { equalsIgnoringCase(trimmed($0), "chunked") } ?? false
            }
        }
        return head
    }

    /// The end of a chunked body starting at `start` (its last chunk and trailers included), or nil
    /// until all of it arrived.
    private static func chunkedBodyEnd(_ bytes: [UInt8], from start: Int) throws(BenchError) -> Int? {
        var decoder = ChunkedDecoder()
        let read = try decoder.feed(bytes[start...])
        return decoder.isFinished ? start + read : nil
    }

    /// The line at `start` up to (not including) its CRLF; the caller knows a CRLF follows.
    private static func line(_ bytes: [UInt8], from start: Int) -> Range<Int> {
        start..<(find([13, 10], in: bytes, from: start) ?? bytes.count)
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count - start >= needle.count else { return nil }
        var index = start
        while index <= bytes.count - needle.count {
            if bytes[index] == needle[0], bytes[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) })
        else { return bytes[bytes.startIndex..<bytes.startIndex] }
        return bytes[first...last]
    }

    private static func equalsIgnoringCase(_ bytes: ArraySlice<UInt8>, _ lowercase: String) -> Bool {
        bytes.count == lowercase.utf8.count
            && zip(bytes, lowercase.utf8).allSatisfy { byte, expected in
                (byte >= 65 && byte <= 90 ? byte + 32 : byte) == expected
            }
    }

    private static func decimal(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var value = 0
        for digit in digits {
            guard digit >= 48 && digit <= 57 else { return nil }
            value = value * 10 + Int(digit - 48)
        }
        return value
    }
}
