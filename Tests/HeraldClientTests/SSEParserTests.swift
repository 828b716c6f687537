import HeraldClient
import Testing

struct SSEParserTests {
    @Test func parsesEventsSplitAcrossChunksAtAnyByte() {
        let text =
            "retry: 2000\n\nid: 1\nevent: counts\ndata: {\"seq\":1}\n\n: ping\n\nid: 2\nevent: notification.read\ndata: {\"id\":\"a\"}\n\n"
        let bytes = Array(text.utf8)
        for split in 0...bytes.count {
            var parser = SSEParser()
            let events = parser.feed(bytes[..<split]) + parser.feed(bytes[split...])
            #expect(
                events == [
                    SSEEvent(id: "1", event: "counts", data: #"{"seq":1}"#),
                    SSEEvent(id: "2", event: "notification.read", data: #"{"id":"a"}"#),
                ])
            #expect(parser.retryMilliseconds == 2000)
            #expect(parser.lastEventID == "2")
        }
    }

    @Test func handlesCRLFAndCRLineEndsMultiLineDataAndDefaults() {
        var parser = SSEParser()
        let events = parser.feed(Array("data:a\r\ndata: b\r\n\r\nid: 7\rdata: c\r\r".utf8))
        #expect(
            events == [
                SSEEvent(id: nil, event: "message", data: "a\nb"), SSEEvent(id: "7", event: "message", data: "c"),
            ])
    }

    @Test func aBlockWithoutDataDispatchesNothingButKeepsItsID() {
        var parser = SSEParser()
        #expect(parser.feed(Array("id: 5\nevent: x\n\n".utf8)).isEmpty)
        #expect(parser.lastEventID == "5")
        #expect(parser.feed(Array("data: y\n\n".utf8)) == [SSEEvent(id: "5", event: "message", data: "y")])
    }

    @Test func aFieldWithoutAColonHasAnEmptyValueAndUnknownFieldsAreIgnored() {
        // The SSE spec: `data` alone adds an empty line of data; an unknown field is ignored; a
        // retry that is not a number leaves the delay as it was.
        var parser = SSEParser()
        let events = parser.feed(Array("retry: 10\nretry: soon\nfoo: bar\ndata\ndata: x\n\ndata\n\n".utf8))
        #expect(
            events == [SSEEvent(id: nil, event: "message", data: "\nx"), SSEEvent(id: nil, event: "message", data: "")])
        #expect(parser.retryMilliseconds == 10)
    }

    @Test func incompleteEventsWaitForTheBlankLine() {
        var parser = SSEParser()
        #expect(parser.feed(Array("id: 1\ndata: x\n".utf8)).isEmpty)
        #expect(parser.feed(Array("\n".utf8)) == [SSEEvent(id: "1", event: "message", data: "x")])
    }
}
