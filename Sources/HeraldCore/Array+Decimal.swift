extension [UInt8] {
    /// Appends the decimal digits of `value`, zero-padded on the left to at least `minimumDigits`
    /// (no intermediate `String`; used by ``JSONWriter`` and ``Timestamp``).
    mutating func appendDecimal(_ value: UInt64, minimumDigits: Int = 1) {
        let start = count
        var rest = value
        repeat {
            append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0 || count - start < minimumDigits
        self[start...].reverse()
    }
}
