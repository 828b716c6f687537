import Testing

@testable import herald_bench

/// The deliveries a fan-out writes out: in the order their publishes were scheduled, from the
/// run's start, in microseconds, with how late each publish went out.
struct DeliveryTraceTests {
    @Test func linesAreInScheduleOrderFromTheStart() {
        let trace = DeliveryTrace()
        let start: UInt64 = 10_000_000_000
        trace.record(sent: start + 2_000_000, received: start + 2_500_000)
        trace.record(sent: start, received: start + 1_234_567)
        trace.record(sent: start - 1_000, received: start + 10_000)  // before the run: left out
        trace.record(sent: start + 1_000_000, received: start + 999_000)  // clocks crossed: 0
        trace.recordSend(scheduled: start, at: start + 321_000)
        trace.recordSend(scheduled: start + 2_000_000, at: start + 1_999_000)  // early (clocks crossed): 0
        #expect(trace.count == 4)
        #expect(trace.lines(since: start) == "0 1234 321\n1000 0 -\n2000 500 0\n")
    }
}
