import Synchronization
import Testing

@testable import HeraldCore

/// The in-process broker's two ways out: listeners (the stream hub) and subscriptions.
struct InProcessBrokerTests {
    private static func events(_ seqs: ClosedRange<Int64>, user: String = "u") -> [UserEvent] {
        seqs.map { UserEvent(user: user, seq: $0, name: .created, data: #"{"seq":\#($0)}"#) }
    }

    /// A listener is called on the publisher's thread, before `publish` returns, with every event
    /// in order; after `cancel` it hears nothing more. A subscription gets the same events.
    @Test func listenersHearEveryEventInOrderUntilCancelled() async {
        let broker = InProcessBroker()
        let heard = Mutex<[Int64]>([])
        let subscription = broker.subscribe()
        let listening = broker.listen { event in heard.withLock { $0.append(event.seq) } }
        broker.publish(Self.events(1...3))
        #expect(heard.withLock { $0 } == [1, 2, 3])
        broker.publish(Self.events(4...5))
        listening.cancel()
        broker.publish(Self.events(6...6))
        #expect(heard.withLock { $0 } == [1, 2, 3, 4, 5])
        broker.shutdown()
        var received: [Int64] = []
        for await event in subscription { received.append(event.seq) }
        #expect(received == [1, 2, 3, 4, 5, 6])
    }

    /// Shutting down removes listeners too.
    @Test func shutdownRemovesListeners() {
        let broker = InProcessBroker()
        let heard = Mutex(0)
        _ = broker.listen { _ in heard.withLock { $0 += 1 } }
        broker.publish(Self.events(1...1))
        broker.shutdown()
        broker.publish(Self.events(2...2))
        #expect(heard.withLock { $0 } == 1)
    }
}
