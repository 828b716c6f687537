import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// Publishes over keep-alive connections, each request at its scheduled time (so a slow server
/// cannot hide latency by slowing the publisher: latency is measured from the schedule).
final class Publisher: Sendable {
    let connections: [HTTPConnection]
    let method: HTTPMethod
    let completed = NIOLockedCounter()
    let succeeded = NIOLockedCounter()
    let failed = NIOLockedCounter()
    let latencies = LatencyRecorder()
    /// How late each scheduled request went out: from its scheduled time to its send. A request
    /// goes late when every connection still waits on an answer, or when its event loop is busy
    /// (a burst of answers and deliveries after a stall) or waits for a core. Latencies count
    /// from the schedule, so this share of them is the load generator's, on a machine it shares
    /// with the server.
    let sendLateness = LatencyRecorder()
    /// Each scheduled request's send time, by scheduled time, when the caller traces deliveries.
    private let trace: DeliveryTrace?
    private let statusCounts = NIOLockedValueBox([String: Int]())
    private let nextIndex = NIOLockedValueBox(0)

    private init(connections: [HTTPConnection], method: HTTPMethod, trace: DeliveryTrace?) {
        self.connections = connections
        self.method = method
        self.trace = trace
    }

    static func start(
        template: URLTemplate, connections: Int, group: any EventLoopGroup, headers: [(String, String)],
        method: HTTPMethod = .POST, trace: DeliveryTrace? = nil
    ) async throws -> Publisher {
        var opened: [HTTPConnection] = []
        for _ in 0..<max(1, connections) {
            let connection = try await HTTPConnection.connect(
                host: template.host, port: template.port, headers: headers, group: group)
            opened.append(connection)
        }
        return Publisher(connections: opened, method: method, trace: trace)
    }

    func statuses() -> [String: Int] { statusCounts.withLockedValue { $0 } }

    /// Sends up to `count` requests; `make(index)` gives the scheduled time (0: as soon as the
    /// connection is free), path and body, or nil to stop.
    ///
    /// Each connection sends its next request from its event loop, at its scheduled time (a timer
    /// of that loop) or as soon as the previous answer ended: no hop to a Swift task and back per
    /// request. Those hops, and the task sleeps of a fixed rate, cost the generator about as much
    /// CPU as the server it shares the machine with spent on a request.
    func publish(count: Int, make: @escaping @Sendable (Int) -> (UInt64, String, String?)?) async {
        await withTaskGroup(of: Void.self) { group in
            for connection in connections {
                group.addTask {
                    let done = connection.channel.eventLoop.makePromise(of: Void.self)
                    connection.channel.eventLoop.execute {
                        self.sendNext(on: connection, count: count, make: make, done: done)
                    }
                    try? await done.futureResult.get()
                }
            }
        }
    }

    /// The index of the next request, or nil once `count` have been handed out.
    private func claim(below count: Int) -> Int? {
        nextIndex.withLockedValue { value -> Int? in
            guard value < count else { return nil }
            defer { value += 1 }
            return value
        }
    }

    /// On the connection's event loop: sends the next request at its time and, when it is
    /// answered, goes on with the one after.
    private func sendNext(
        on connection: HTTPConnection, count: Int, make: @escaping @Sendable (Int) -> (UInt64, String, String?)?,
        done: EventLoopPromise<Void>
    ) {
        guard let index = claim(below: count), let (scheduled, path, body) = make(index) else {
            done.succeed(())
            return
        }
        let send: @Sendable () -> Void = {
            // Latency counts from the scheduled time, so a slow server cannot hide it by slowing us.
            let now = BenchClock.now()
            let sent = scheduled > 0 ? scheduled : now
            if scheduled > 0 {
                self.sendLateness.record(nanoseconds: now > scheduled ? now - scheduled : 0)
                self.trace?.recordSend(scheduled: scheduled, at: now)
            }
            connection.send(method: self.method, path: path, body: body).whenComplete { result in
                guard self.answered(result, sent: sent) else {
                    done.succeed(())
                    return
                }
                self.sendNext(on: connection, count: count, make: make, done: done)
            }
        }
        let now = BenchClock.now()
        if scheduled > now {
            connection.channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(scheduled - now)), send)
        } else {
            send()
        }
    }

    /// Records an answer (or the connection's failure); false when the connection is gone.
    private func answered(_ result: Result<UInt, any Error>, sent: UInt64) -> Bool {
        defer { completed.add() }
        guard case .success(let status) = result else {
            failed.add()
            return false
        }
        latencies.record(nanoseconds: BenchClock.now() - sent)
        statusCounts.withLockedValue { $0[String(status), default: 0] += 1 }
        if (200..<300).contains(status) { succeeded.add() } else { failed.add() }
        return true
    }

    func close() async {
        for connection in connections { await connection.close() }
    }
}
