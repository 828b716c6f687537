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
            guard let first = needle.first else { return true }
            var start = startIndex
            while let found = self[start...].firstIndex(where: { Self.lowered($0) == first }) {
                var index = found
                var matched = 0
                while matched < needle.count, index != endIndex, Self.lowered(self[index]) == needle[matched] {
                    formIndex(after: &index)
                    matched += 1
                }
                if matched == needle.count { return true }
                // Fewer bytes are left than the needle has.
                if index == endIndex { return false }
                start = self.index(after: found)
            }
            return false
        }
    }

    /// The byte with an ASCII capital letter made small.
    @inline(__always)
    private static func lowered(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}
