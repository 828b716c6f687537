public import Hummingbird
public import NIOCore

/// The request context of every Herald route: Hummingbird's basics plus the request's channel,
/// which the stream route hands over to its ``SSEChannelHandler``.
public struct HeraldRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection the request arrived on.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
