import Testing

@testable import HeraldClient

/// `follow`'s pauses before it connects again: doubling from 0.5 s to the maximum, never past
/// it, and from 0.5 s again after a stream that was open.
struct ReconnectBackoffTests {
    @Test func pausesDoubleUpToTheMaximumAndStartOverAfterAStream() {
        var backoff = ReconnectBackoff(maximum: .seconds(3))
        let pauses = (0..<5).map { _ in backoff.take() }
        #expect(pauses == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(3), .seconds(3)])
        backoff.streamEnded()
        #expect(backoff.take() == .milliseconds(500))
        #expect(backoff.take() == .seconds(1))
        // A maximum under the first pause: the first, then the maximum.
        var short = ReconnectBackoff(maximum: .milliseconds(50))
        let shortPauses = (0..<3).map { _ in short.take() }
        #expect(shortPauses == [.milliseconds(500), .milliseconds(50), .milliseconds(50)])
    }
}
