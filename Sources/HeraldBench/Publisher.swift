import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// Publishes over keep-alive connections, each request at its scheduled time (so a slow server
/// cannot hide latency by slowing the publisher: latency is measured from the schedule).
final class Publisher: Sendable {
    let template: URLTemplate
    let connections: [HTTPConnection]
    let headers: [(String, String)]
    let method: HTTPMethod
    let completed = NIOLockedCounter()
    let succeeded = NIOLockedCounter()
    let failed = NIOLockedCounter()
    let latencies = LatencyRecorder()
    private let statusCounts = NIOLockedValueBox([String: Int]())
    private let nextIndex = NIOLockedValueBox(0)

    private init(template: URLTemplate, connections: [HTTPConnection], headers: [(String, String)], method: HTTPMethod)
    {
        self.template = template
        self.connections = connections
        self.headers = headers
        self.method = method
    }

    static func start(
        template: URLTemplate, connections: Int, group: any EventLoopGroup, headers: [(String, String)],
        method: HTTPMethod = .POST
    ) async throws -> Publisher {
        var opened: [HTTPConnection] = []
        for _ in 0..<max(1, connections) {
            opened.append(try await HTTPConnection.connect(host: template.host, port: template.port, group: group))
        }
        return Publisher(template: template, connections: opened, headers: headers, method: method)
    }

    func statuses() -> [String: Int] { statusCounts.withLockedValue { $0 } }

    /// Sends up to `count` requests; `make(index)` gives the scheduled time (0: now), path and body,
    /// or nil to stop.
    func publish(count: Int, make: @escaping @Sendable (Int) -> (UInt64, String, String?)?) async {
        await withTaskGroup(of: Void.self) { group in
            for connection in connections {
                group.addTask { await self.drive(connection, count: count, make: make) }
            }
        }
    }

    private func drive(
        _ connection: HTTPConnection, count: Int, make: @Sendable (Int) -> (UInt64, String, String?)?
    ) async {
        while true {
            let index = nextIndex.withLockedValue { value -> Int in
                defer { value += 1 }
                return value
            }
            guard index < count else { return }
            guard let (scheduled, path, body) = make(index) else { return }
            if scheduled > 0 { await BenchClock.sleep(until: scheduled) }
            let sent = scheduled > 0 ? scheduled : BenchClock.now()
            let buffer = body.map { ByteBuffer(string: $0) }
            do {
                let status = try await connection.send(
                    method: method, host: template.host, path: path, headers: headers, body: buffer
                ).get()
                latencies.record(nanoseconds: BenchClock.now() - sent)
                statusCounts.withLockedValue { $0[String(status), default: 0] += 1 }
                if (200..<300).contains(status) { succeeded.add() } else { failed.add() }
            } catch {
                failed.add()
                completed.add()
                return
            }
            completed.add()
        }
    }

    func close() async {
        for connection in connections { await connection.close() }
    }
}
