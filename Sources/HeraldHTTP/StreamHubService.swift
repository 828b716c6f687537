public import HeraldCore
public import ServiceLifecycle

/// Feeds the hub from the broker (each event handed to its streams on the publisher's thread) and
/// runs the hub's ticker; on graceful shutdown, ends every open stream cleanly so the HTTP server
/// can drain. Place it after the HTTP server in a `ServiceGroup`: services shut down in reverse
/// order, so streams end before the server stops.
public struct StreamHubService: Service {
    let hub: StreamHub
    let listening: BrokerListening

    /// Listens to the broker immediately, so no event published after construction is missed even
    /// if a stream opens before ``run()`` starts.
    public init(hub: StreamHub, broker: any EventBroker) {
        self.hub = hub
        self.listening = hub.listen(to: broker)
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await cancelWhenGracefulShutdown { await hub.runTicker() }
        } onGracefulShutdown: {
            hub.closeAll()
        }
        listening.cancel()
        hub.closeAll()
    }
}
