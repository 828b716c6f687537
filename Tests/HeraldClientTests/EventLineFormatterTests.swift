import HeraldClient
import Testing

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
