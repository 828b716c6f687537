import NIOCore
import NIOPosix
import Testing

@testable import herald_bench

/// The publisher's own lateness: how long after its scheduled time each request went out.
struct PublisherTests {
    @Test func sendLatenessCountsScheduledRequestsFromTheirSchedule() async throws {
        try await CannedServer.serving(["HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"]) { server, group in
            let trace = DeliveryTrace()
            let publisher = try await Publisher.start(
                template: URLTemplate("http://127.0.0.1:\(server.port)/pub"), connections: 1, group: group,
                headers: [], trace: trace)
            let start = BenchClock.now()
            // One connection, so each request waits for the answer before it: the first was due
            // 50 ms before the run began, the second goes as soon as the connection is free (not a
            // scheduled request), the third is due 20 ms from now (on time or late, depending on
            // how soon the answers come: not checked).
            let schedule: [UInt64] = [start - 50_000_000, 0, start + 20_000_000]
            await publisher.publish(count: schedule.count) { index in (schedule[index], "/pub", nil) }
            #expect(publisher.succeeded.value == 3)
            let lateness = publisher.sendLateness.summary()
            #expect(lateness.count == 2)
            #expect(lateness.max >= 50)
            // The trace knows when the scheduled ones went out, not the unscheduled one.
            for scheduled in [schedule[0], schedule[2], start + 1_000] {
                trace.record(sent: scheduled, received: scheduled + 1_000_000)
            }
            let columns = trace.lines(since: schedule[0]).split(separator: "\n").map { $0.split(separator: " ") }
            #expect(columns.map(\.count) == [3, 3, 3])
            #expect(columns[0][2] != "-")
            #expect((UInt64(columns[0][2]) ?? 0) >= 50_000)
            #expect(columns[1][2] == "-")
            #expect(columns[2][2] != "-")
            await publisher.close()
        }
    }
}
