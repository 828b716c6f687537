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
        value.withUnsafeBytes { Self.counter(in: $0) }
    }

    /// `bytes` as an unsigned decimal counter: ASCII digits, with ASCII whitespace around them
    /// (`decr` leaves trailing spaces); nil for anything else or a number above `UInt64.max`.
    public static func counter(in bytes: UnsafeRawBufferPointer) -> UInt64? {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
        var digits = bytes[...]
        while let first = digits.first, isSpace(first) { digits = digits.dropFirst() }
        while let last = digits.last, isSpace(last) { digits = digits.dropLast() }
        guard !digits.isEmpty else { return nil }
        var number: UInt64 = 0
        for byte in digits {
            guard (0x30...0x39).contains(byte) else { return nil }
            let (shifted, over) = number.multipliedReportingOverflow(by: 10)
            let (sum, carry) = shifted.addingReportingOverflow(UInt64(byte - 0x30))
            guard !over, !carry else { return nil }
            number = sum
        }
        return number
    }
}
