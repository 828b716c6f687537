import NIOCore

/// Opens many SSE subscribers with bounded connect concurrency.
enum SubscriberPool {
    /// Subscriber `i` listens on channel `i % channels`.
    static func open(
        count: Int, channels: Int, prefix: String, template: URLTemplate, headers: [(String, String)],
        log: DeliveryLog, group: any EventLoopGroup, concurrency: Int = 200
    ) async throws -> [any Channel] {
        var opened: [any Channel] = []
        opened.reserveCapacity(count)
        var next = 0
        while next < count {
            let batch = next..<min(count, next + concurrency)
            let channelsOpened = try await withThrowingTaskGroup(of: (any Channel).self) { group2 in
                for index in batch {
                    let path = template.path(TemplateValues(channel: "\(prefix)\(index % channels)"))
                    group2.addTask {
                        try await SSESubscriber.open(
                            host: template.host, port: template.port, path: path, headers: headers, log: log,
                            group: group)
                    }
                }
                var result: [any Channel] = []
                for try await channel in group2 { result.append(channel) }
                return result
            }
            opened += channelsOpened
            next = batch.upperBound
            Progress.show("connecting subscribers \(opened.count)/\(count)")
        }
        let deadline = BenchClock.now() + 30_000_000_000
        while log.connected.value < count, BenchClock.now() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        Progress.show("subscribers connected \(log.connected.value)/\(count)")
        Progress.end()
        return opened
    }
}
