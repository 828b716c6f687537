extension Collection<UInt8> {
    /// True when these bytes are `lowercase` but for the case of ASCII letters: how HTTP header
    /// names, `Connection` tokens and the `Bearer` scheme compare.
    func equalsIgnoringASCIICase(_ lowercase: StaticString) -> Bool {
        lowercase.withUTF8Buffer { expected in
            // A native string's bytes are contiguous: compared in place, without an iterator.
            if let equal = withContiguousStorageIfAvailable({ bytes in
                bytes.count == expected.count
                    && zip(bytes, expected).allSatisfy { byte, lower in Self.lowered(byte) == lower }
            }) {
                return equal
            }
            return elementsEqual(expected) { byte, lower in Self.lowered(byte) == lower }
        }
    }

    /// True when `lowercase` occurs in these bytes but for the case of ASCII letters (a media
    /// type's `+json` suffix).
    func containsIgnoringASCIICase(_ lowercase: StaticString) -> Bool {
        lowercase.withUTF8Buffer { needle in
            var start = startIndex
            while start != endIndex {
                if self[start...].starts(with: needle, by: { byte, lower in Self.lowered(byte) == lower }) {
                    return true
                }
                formIndex(after: &start)
            }
            return needle.isEmpty
        }
    }

    /// The byte with an ASCII capital letter made small.
    @inline(__always)
    private static func lowered(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}
