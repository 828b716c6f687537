#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A UTC instant with millisecond precision, encoded as RFC 3339 (`2026-11-21T10:00:00.123Z`).
public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Milliseconds since the Unix epoch.
    public var milliseconds: Int64

    /// Creates a timestamp from milliseconds since the Unix epoch.
    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// The current time.
    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(milliseconds: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }

    /// This instant plus `seconds`.
    public func adding(seconds: Int64) -> Timestamp {
        Timestamp(milliseconds: milliseconds &+ seconds &* 1000)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }

    /// RFC 3339 UTC with milliseconds.
    public var description: String {
        var text: [UInt8] = []
        text.reserveCapacity(24)
        appendRFC3339(to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// Appends ``description``'s UTF-8 bytes, without building a `String` or calling `gmtime`.
    ///
    /// The calendar date comes from the day count by Howard Hinnant's `civil_from_days` (proleptic
    /// Gregorian, exact for every `Int64` millisecond value). Years outside 0–9999, which RFC 3339
    /// cannot express and Herald never stores, are written with as many digits as they need.
    public func appendRFC3339(to bytes: inout [UInt8]) {
        let (days, millisOfDay) = milliseconds.floorDivided(by: 86_400_000)
        let dayOfEpoch = days + 719_468  // days since 0000-03-01
        let era = (dayOfEpoch >= 0 ? dayOfEpoch : dayOfEpoch - 146_096) / 146_097
        let dayOfEra = dayOfEpoch - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153  // 0 = March
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)

        if year < 0 { bytes.append(UInt8(ascii: "-")) }
        bytes.appendDecimal(year.magnitude, minimumDigits: 4)
        // `-MM-DDTHH:MM:SS.mmmZ` in a buffer on the stack, then into the array at once.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { text in
            func put(_ separator: Unicode.Scalar, _ value: Int64, digits: Int, at offset: Int) {
                text[offset] = UInt8(ascii: separator)
                var rest = value
                for index in (offset + 1...offset + digits).reversed() {
                    text[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                    rest /= 10
                }
            }
            put("-", month, digits: 2, at: 0)
            put("-", day, digits: 2, at: 3)
            put("T", millisOfDay / 3_600_000, digits: 2, at: 6)
            put(":", millisOfDay / 60_000 % 60, digits: 2, at: 9)
            put(":", millisOfDay / 1000 % 60, digits: 2, at: 12)
            put(".", millisOfDay % 1000, digits: 3, at: 15)
            text[19] = UInt8(ascii: "Z")
            bytes.append(contentsOf: UnsafeBufferPointer(text))
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let parsed = Timestamp(rfc3339: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 time")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff]Z` (UTC only).
    public init?(rfc3339 text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z"), bytes[4] == UInt8(ascii: "-"),
            bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"),
            bytes[16] == UInt8(ascii: ":")
        else { return nil }
        func number(_ range: Range<Int>) -> Int32? {
            var value: Int32 = 0
            for index in range {
                guard index < bytes.count, (48...57).contains(bytes[index]) else { return nil }
                value = value * 10 + Int32(bytes[index] - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
        else { return nil }
        var millis: Int64 = 0
        if bytes[19] == UInt8(ascii: ".") {
            let digits = bytes[20..<(bytes.count - 1)]
            guard !digits.isEmpty, digits.allSatisfy({ (48...57).contains($0) }) else { return nil }
            let firstThree = Array(digits.prefix(3)) + Array(repeating: UInt8(48), count: max(0, 3 - digits.count))
            millis = firstThree.reduce(0) { $0 * 10 + Int64($1 - 48) }
        } else if bytes.count != 20 {
            return nil
        }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        let seconds = timegm(&parts)
        self.init(milliseconds: Int64(seconds) * 1000 + millis)
    }
}

extension Int64 {
    /// Quotient rounded towards negative infinity and the matching non-negative remainder.
    fileprivate func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let (quotient, remainder) = quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}
