/// A value read from memcached, with its flags and CAS token.
public struct MemcachedItem: Sendable, Hashable {
    /// The stored bytes.
    public var value: [UInt8]
    /// The client flags stored with the value.
    public var flags: UInt32
    /// The compare-and-swap token for ``MemcachedClient/compareAndSwap(_:value:cas:flags:expiration:)``.
    public var cas: UInt64

    /// Creates an item.
    public init(value: [UInt8], flags: UInt32, cas: UInt64) {
        self.value = value
        self.flags = flags
        self.cas = cas
    }

    /// The value as UTF-8 text, or nil if it is not valid UTF-8.
    public var string: String? { String(validating: value, as: UTF8.self) }

    /// The value as an unsigned decimal counter (tolerating the trailing spaces `decr` leaves).
    public var counter: UInt64? {
        guard let text = string else { return nil }
        return UInt64(text.trimmingWhitespace())
    }
}
