import NIOCore
import NIOPosix
import Testing

@testable import herald_bench

/// The hand-off probe runs the number of ticks its rate and duration make, and times every round trip.
struct HandoffProbeTests {
    @Test func everyTickRunsAndEveryRoundTripIsTimed() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let worker = NIOThreadPool(numberOfThreads: 1)
        worker.start()
        let probe = HandoffProbe(rate: 2000, duration: 0.2)
        let loop = group.next()

        let timer = try await probe.measure(on: loop, worker: nil)
        #expect(timer.completed == 400)
        #expect(timer.latencies.count == 0)

        let handoff = try await probe.measure(on: loop, worker: worker)
        #expect(handoff.completed == 400)
        #expect(handoff.latencies.count == 400)
        #expect(handoff.cpuSeconds > 0)
        let summary = handoff.latencies.summary()
        #expect(summary.p50 > 0 && summary.p50 <= summary.max)

        try await worker.shutdownGracefully()
        try await group.shutdownGracefully()
    }
}
