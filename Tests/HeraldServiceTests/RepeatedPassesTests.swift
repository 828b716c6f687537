import HeraldTestSupport
import Testing

@testable import HeraldCache

/// `repeatPasses`, the loop of the running server's cache audits: a pass every interval, the
/// first after one, and none once the task is cancelled.
@Suite(.timeLimit(.minutes(1)))
struct RepeatedPassesTests {
    @Test func passesComeEveryIntervalUntilTheTaskIsCancelled() async throws {
        let passes = LockedBox(0)
        let began = ContinuousClock.now
        let firstAfter = LockedBox<Duration?>(nil)
        let loop = Task {
            await repeatPasses(every: .milliseconds(50)) {
                firstAfter.withLock { $0 = $0 ?? ContinuousClock.now - began }
                passes.withLock { $0 += 1 }
            }
        }
        #expect(await ServiceHarness.eventually { passes.value >= 3 })
        #expect(try #require(firstAfter.value) >= .milliseconds(50))
        loop.cancel()
        await loop.value
        let atCancel = passes.value
        try await Task.sleep(for: .milliseconds(200))
        #expect(passes.value == atCancel)
    }
}
