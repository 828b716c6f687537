extension Collection<UInt8> {
    /// True when these bytes are `lowercase` but for the case of ASCII letters: how HTTP header
    /// names, `Connection` tokens and the `Bearer` scheme compare.
    func equalsIgnoringASCIICase(_ lowercase: StaticString) -> Bool {
        lowercase.withUTF8Buffer { expected in
            elementsEqual(expected) { byte, lower in
                (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte) == lower
            }
        }
    }
}
