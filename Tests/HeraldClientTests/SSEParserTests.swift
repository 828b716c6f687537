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

    @Test func incompleteEventsWaitForTheBlankLine() {
        var parser = SSEParser()
        #expect(parser.feed(Array("id: 1\ndata: x\n".utf8)).isEmpty)
        #expect(parser.feed(Array("\n".utf8)) == [SSEEvent(id: "1", event: "message", data: "x")])
    }
}

struct EventLineFormatterTests {
    @Test func createdEventsShowCountsTypeTitleAndID() {
        let event = SSEEvent(
            id: "42", event: "notification.created",
            data:
                #"{"seq":42,"unread":3,"unseen":5,"notification":{"id":"n1","type":"order.shipped","title":"Shipped"}}"#
        )
        let line = EventLineFormatter(colored: false).line(for: event)
        #expect(line.hasSuffix("  #42  notification.created  unread 3  unseen 5  [order.shipped] Shipped (n1)"))
    }

    @Test func colorsOnlyWhenAsked() {
        let event = SSEEvent(
            id: "1", event: "notifications.read_all", data: #"{"seq":1,"unread":0,"unseen":0,"updated":4}"#)
        #expect(!EventLineFormatter(colored: false).line(for: event).contains("\u{1B}["))
        let colored = EventLineFormatter(colored: true).line(for: event)
        #expect(colored.contains("\u{1B}[34mnotifications.read_all\u{1B}[0m"))
        #expect(colored.hasSuffix("updated 4"))
    }
}
