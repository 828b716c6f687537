/// Tunables of the service core.
public struct HeraldConfiguration: Sendable, Hashable {
    /// Lifetime of a notification created without `ttl_seconds`.
    public var defaultTTLSeconds: Int64
    /// How long events stay in the log for `Last-Event-ID` resume.
    public var eventRetentionSeconds: Int64
    /// How often expired notifications are swept.
    public var expirySweepIntervalMilliseconds: Int
    /// How long swept (expired) notification rows are kept before they are deleted.
    public var expiredRetentionSeconds: Int64

    public init(
        defaultTTLSeconds: Int64 = 2_592_000,
        eventRetentionSeconds: Int64 = 7 * 24 * 3600,
        expirySweepIntervalMilliseconds: Int = 1000,
        expiredRetentionSeconds: Int64 = 0
    ) {
        self.defaultTTLSeconds = defaultTTLSeconds
        self.eventRetentionSeconds = eventRetentionSeconds
        self.expirySweepIntervalMilliseconds = expirySweepIntervalMilliseconds
        self.expiredRetentionSeconds = expiredRetentionSeconds
    }
}
