import HeraldCore
import Testing

@testable import HeraldHTTP

/// What a stream makes of its store reads: the opening for each kind of `Last-Event-ID`, and a
/// catch-up page or its gap.
struct StreamReadsTests {
    let counts = Counts(user: "u1", unread: 2, unseen: 3, seq: 5)

    func events(_ seqs: ClosedRange<Int64>) -> [UserEvent] {
        seqs.map { UserEvent(user: "u1", seq: $0, name: .created, data: #"{"seq":\#($0)}"#) }
    }

    @Test func positionsAreSeqNumbersOnly() {
        #expect(StreamReads.position(lastEventID: nil) == nil)
        #expect(StreamReads.position(lastEventID: "7") == 7)
        #expect(StreamReads.position(lastEventID: " 7 ") == 7)
        #expect(StreamReads.position(lastEventID: "0") == 0)
        for text in ["", "-1", "abc", "7x", "1.5", "99999999999999999999"] {
            #expect(StreamReads.position(lastEventID: text) == nil, "\(text)")
        }
    }

    @Test func aFreshStreamStartsWithTheCounts() {
        let read = StreamRead(counts: counts, events: [])
        #expect(StreamReads.opening(lastEventID: nil, read: read) == .snapshot(counts))
    }

    @Test func aResumeContinuesWithTheEventsAfterItsPosition() {
        #expect(
            StreamReads.opening(lastEventID: "5", read: StreamRead(counts: counts, events: []))
                == .resume(after: 5, events: []))
        #expect(
            StreamReads.opening(lastEventID: "2", read: StreamRead(counts: counts, events: events(3...5)))
                == .resume(after: 2, events: events(3...5)))
        #expect(
            StreamReads.opening(lastEventID: "0", read: StreamRead(counts: counts, events: events(1...5)))
                == .resume(after: 0, events: events(1...5)))
    }

    @Test func aPositionThatCannotBeServedResets() {
        // Pruned: the log starts past the position + 1 (or holds nothing after it).
        #expect(
            StreamReads.opening(lastEventID: "2", read: StreamRead(counts: counts, events: events(4...5)))
                == .reset(counts))
        #expect(StreamReads.opening(lastEventID: "2", read: StreamRead(counts: counts, events: [])) == .reset(counts))
        // Ahead of the user's seq (another database, or a restore), or no seq at all.
        #expect(StreamReads.opening(lastEventID: "6", read: StreamRead(counts: counts, events: [])) == .reset(counts))
        #expect(StreamReads.opening(lastEventID: "x", read: StreamRead(counts: counts, events: [])) == .reset(counts))
        #expect(StreamReads.opening(lastEventID: "", read: StreamRead(counts: counts, events: [])) == .reset(counts))
    }

    @Test func aCatchUpPageIsTheNextEventsOrAGap() {
        #expect(StreamReads.page(after: 5, read: StreamRead(counts: counts, events: [])) == .events([]))
        #expect(
            StreamReads.page(after: 2, read: StreamRead(counts: counts, events: events(3...5)))
                == .events(events(3...5)))
        #expect(StreamReads.page(after: 2, read: StreamRead(counts: counts, events: events(4...5))) == .reset(counts))
        // Every event after the position pruned: none left, the user's seq past it.
        #expect(StreamReads.page(after: 2, read: StreamRead(counts: counts, events: [])) == .reset(counts))
        #expect(StreamReads.page(after: 4, read: StreamRead(counts: counts, events: [])) == .reset(counts))
    }
}
