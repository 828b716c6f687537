#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Rules for user and notification identifiers: 1–128 characters from `[A-Za-z0-9._:@-]`.
public enum Identifier {
    /// The longest identifier accepted.
    public static let maximumLength = 128

    /// True when `text` is a valid user or notification identifier. Inlinable, so that callers in
    /// other modules get it specialized for their string type rather than reading each byte
    /// through the generic `StringProtocol` witnesses.
    @inlinable
    public static func isValid(_ text: some StringProtocol) -> Bool {
        let bytes = text.utf8
        guard !bytes.isEmpty, bytes.count <= maximumLength else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }

    /// Throws `invalid_id` unless `text` is valid.
    public static func validate(_ text: String, what: String) throws(HeraldError) {
        guard isValid(text) else {
            throw HeraldError(.invalidID, "\(what) must be 1-128 characters from [A-Za-z0-9._:@-]")
        }
    }

    /// A new identifier made at `time`: a version 7 UUID (RFC 9562) in lowercase canonical form
    /// (36 characters), the Unix milliseconds in its first 48 bits and 74 random bits after them.
    ///
    /// Ids made later sort after earlier ones (within a millisecond, in random order), so the
    /// store's `(id, user)` index takes new server-made ids at its end, on pages the writes of a
    /// transaction share, rather than one page per id anywhere in the index. The random bits come
    /// from the system generator (see ``RandomWordPool``), unlike Foundation's `UUID()` on Linux,
    /// which opens `/dev/urandom` for every value.
    public static func generate(at time: Timestamp) -> String {
        let random = RandomWordPool.shared.pair()
        let milliseconds = UInt64(truncatingIfNeeded: time.milliseconds) & 0xFFFF_FFFF_FFFF
        let high = milliseconds << 16 | 0x7000 | random.0 & 0x0FFF
        let low = random.1 & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000
        return String(unsafeUninitializedCapacity: 36) { text in
            var index = 0
            for nibble in 0..<32 {
                if nibble == 8 || nibble == 12 || nibble == 16 || nibble == 20 {
                    text[index] = UInt8(ascii: "-")
                    index += 1
                }
                let word = nibble < 16 ? high : low
                let digit = UInt8(truncatingIfNeeded: word >> UInt64(60 - 4 * (nibble % 16))) & 0xF
                text[index] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
                index += 1
            }
            return index
        }
    }
}
