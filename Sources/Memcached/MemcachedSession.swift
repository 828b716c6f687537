/// A connection lent to one synchronous block on a worker thread: many operations, one hop.
///
/// Obtain one with ``MemcachedClient/withSession(_:)``. It is valid only inside that block and
/// must not be stored or passed to another thread; every method blocks briefly on the network.
public struct MemcachedSession {
    let connection: MemcachedConnection

    /// Reads one item; nil when it does not exist.
    public func get(_ key: String) throws(MemcachedError) -> MemcachedItem? {
        try connection.getMultiple([key])[key]
    }

    /// Reads several items in one round trip per server.
    public func getMultiple(_ keys: [String]) throws(MemcachedError) -> [String: MemcachedItem] {
        try connection.getMultiple(keys)
    }

    /// Reads several items in one round trip per server and hands each value found to `found`
    /// with the index of its key in `keys`. Nothing is copied: `value` is valid only during the
    /// call. Missing keys are not handed over.
    public func getMultiple(
        _ keys: [String], found: (_ index: Int, _ value: UnsafeRawBufferPointer) -> Void
    ) throws(MemcachedError) {
        try connection.getMultiple(keys) { index, value, _, _ in found(index, value) }
    }

    /// Stores a value unconditionally.
    public func set(
        _ key: String, value: [UInt8], flags: UInt32 = 0, expiration: MemcachedExpiration = .never
    ) throws(MemcachedError) {
        _ = try connection.store(.set, key: key, value: value, flags: flags, expiration: expiration)
    }

    /// Stores only if absent; false when the key existed.
    @discardableResult
    public func add(
        _ key: String, value: [UInt8], flags: UInt32 = 0, expiration: MemcachedExpiration = .never
    ) throws(MemcachedError) -> Bool {
        try connection.store(.add, key: key, value: value, flags: flags, expiration: expiration)
    }

    /// Stores only if unchanged since `cas` was read.
    public func compareAndSwap(
        _ key: String, value: [UInt8], cas: UInt64, flags: UInt32 = 0, expiration: MemcachedExpiration = .never
    ) throws(MemcachedError) -> MemcachedCASOutcome {
        try connection.compareAndSwap(key: key, value: value, cas: cas, flags: flags, expiration: expiration)
    }

    /// Deletes an item; false when it did not exist.
    @discardableResult
    public func delete(_ key: String) throws(MemcachedError) -> Bool {
        try connection.delete(key)
    }

    /// Adds to a counter; nil when the key is missing.
    public func increment(_ key: String, by delta: UInt32 = 1) throws(MemcachedError) -> UInt64? {
        try connection.adjust(key, by: delta, increment: true)
    }

    /// Adds a 64-bit offset to a counter modulo 2^64 (so a large offset subtracts); nil when the key
    /// is missing. One counter can thus hold several packed fields changed by one atomic `incr`.
    public func increment(_ key: String, wrappingBy offset: UInt64) throws(MemcachedError) -> UInt64? {
        try connection.increment(key, wrappingBy: offset)
    }

    /// Adds each offset to its counter modulo 2^64 without waiting for answers, then reads `keys`
    /// (which must include every incremented key) in one multi-get: one round trip for all. A
    /// missing counter is created holding `initial`, its offset not applied, so choose an `initial`
    /// that readers can tell from a real value. Hands each value found to `found` as
    /// ``getMultiple(_:found:)`` does. An increment the server refused (a counter that is not a
    /// number, or that could not be created) throws ``MemcachedError/Code/quietIncrementFailed``:
    /// then which increments were applied is unknown. On any failure the connection is closed
    /// before the error is thrown, so no answer is ever taken for another request's.
    public func increment(
        quietly increments: [(key: String, offset: UInt64)], initial: UInt64, expiration: MemcachedExpiration,
        thenGet keys: [String], found: (_ index: Int, _ value: UnsafeRawBufferPointer) -> Void
    ) throws(MemcachedError) {
        try connection.increment(quietly: increments, initial: initial, expiration: expiration, thenGet: keys) {
            index, value, _, _ in found(index, value)
        }
    }

    /// Subtracts from a counter (stopping at 0); nil when the key is missing.
    public func decrement(_ key: String, by delta: UInt32 = 1) throws(MemcachedError) -> UInt64? {
        try connection.adjust(key, by: delta, increment: false)
    }
}
