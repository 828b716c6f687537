import Testing

@testable import herald_bench

/// The load generator's response framing: where each response ends and its status.
struct ResponseFramerTests {
    func frame(_ text: String, bodiless: Bool = false) throws -> ResponseFramer.Frame? {
        try ResponseFramer.frame(Array(text.utf8), bodiless: bodiless)
    }

    @Test func contentLengthBodyEndsTheResponse() throws {
        let response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"unread\": 3}"
        #expect(try frame(response) == .init(status: 200, length: response.utf8.count))
        #expect(try frame(response + "HTTP/1.1 404") == .init(status: 200, length: response.utf8.count))
        let next = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
        let both = Array((response + next).utf8)
        #expect(
            try ResponseFramer.frame(both, from: response.utf8.count) == .init(status: 404, length: next.utf8.count))
    }

    @Test func incompleteHeadOrBodyNeedsMoreBytes() throws {
        #expect(try frame("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n") == nil)
        #expect(try frame("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcd") == nil)
        #expect(try frame("") == nil)
    }

    @Test func headerNamesMatchInAnyCaseAndValuesAreTrimmed() throws {
        let response = "HTTP/1.0 201 Created\r\ncOnTeNt-LeNgTh: \t2 \r\n\r\nok"
        #expect(try frame(response) == .init(status: 201, length: response.utf8.count))
    }

    @Test func chunkedBodyEndsAfterTheLastChunkAndTrailers() throws {
        let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"
        let body = "5;name=value\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n"
        #expect(try frame(head + body + "HTTP/1.1") == .init(status: 200, length: (head + body).utf8.count))
        for cut in [1, 10, 20, 40, body.utf8.count - 2, body.utf8.count - 1] {
            let bytes = Array(head.utf8) + Array(body.utf8).prefix(cut)
            #expect(try ResponseFramer.frame(bytes) == nil, "cut at \(cut)")
        }
    }

    @Test func interimResponsesArePartOfTheFinalOnesFrame() throws {
        let response = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"
        #expect(try frame(response) == .init(status: 202, length: response.utf8.count))
        #expect(try frame("HTTP/1.1 100 Continue\r\n\r\n") == nil)
    }

    @Test func responsesWithoutABody() throws {
        let noContent = "HTTP/1.1 204 No Content\r\nX-Request-Id: a\r\n\r\n"
        #expect(try frame(noContent) == .init(status: 204, length: noContent.utf8.count))
        let notModified = "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"
        #expect(try frame(notModified) == .init(status: 304, length: notModified.utf8.count))
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
        #expect(try frame(head, bodiless: true) == .init(status: 200, length: head.utf8.count))
    }

    @Test func malformedResponsesAreErrors() {
        for response in [
            "HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/1.1 099 Odd\r\n\r\n", "\r\n\r\n",
            "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
        ] {
            #expect(throws: BenchError.self, "\(response.debugDescription)") { try frame(response) }
        }
    }

    @Test func headsWithoutAnEndAreCutOff() {
        let endless = "HTTP/1.1 200 OK\r\n" + String(repeating: "X-Padding: 0123456789\r\n", count: 3_000)
        #expect(throws: BenchError.self) { try frame(endless) }
    }
}
