public import ServiceLifecycle

/// Runs a background loop (expiry sweeps, cache health probe) until shutdown.
public struct BackgroundTaskService: Service {
    let name: String
    let body: @Sendable () async -> Void

    public init(name: String, _ body: @escaping @Sendable () async -> Void) {
        self.name = name
        self.body = body
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await body() }
    }
}
