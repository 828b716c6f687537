extension [UInt8] {
    /// Appends the decimal digits of `value`, zero-padded on the left to at least `minimumDigits`
    /// (at most 20; no intermediate `String`; used by ``JSONWriter`` and ``Timestamp``).
    ///
    /// The digits go right to left into a buffer on the stack and then into the array at once: one
    /// capacity and uniqueness check per number rather than one per digit.
    mutating func appendDecimal(_ value: UInt64, minimumDigits: Int = 1) {
        precondition(minimumDigits <= 20, "a UInt64 has at most 20 digits")
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var start = buffer.count
            var rest = value
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest > 0 || buffer.count - start < minimumDigits
            append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start...]))
        }
    }
}
