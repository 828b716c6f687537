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

    /// The instant `seconds` after the Unix epoch, rounded to the millisecond. An instant beyond
    /// what ``milliseconds`` holds (about 292 million years either way), as a JWT's `exp` may
    /// name, is clamped to the nearest end; NaN reads as the earliest instant.
    public init(clampingSecondsSince1970 seconds: Double) {
        let milliseconds = (seconds * 1000).rounded()
        if milliseconds >= 0x1p63 {
            self.init(milliseconds: .max)
        } else if milliseconds >= -0x1p63 {
            self.init(milliseconds: Int64(milliseconds))
        } else {
            self.init(milliseconds: .min)
        }
    }

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

    /// Parses an RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS`, an optional fraction of a second (cut
    /// to milliseconds), then `Z` or an offset `±HH:MM`; `T` and `Z` may be lower case. Returns nil
    /// for anything else, including dates that do not exist (`2026-02-30`) and fields out of range.
    /// A leap second (`:60`) reads as the first millisecond after it.
    public init?(rfc3339 text: String) {
        let bytes = Array(text.utf8)
        var index = 0
        /// The next `count` bytes as a decimal number, or nil when one of them is not a digit.
        func digits(_ count: Int) -> Int64? {
            guard index + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[index..<index + count] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            index += count
            return value
        }
        /// Consumes one byte if it is one of `accepted`.
        func separator(_ accepted: String) -> Bool {
            guard index < bytes.count, accepted.utf8.contains(bytes[index]) else { return false }
            index += 1
            return true
        }
        guard let year = digits(4), separator("-"), let month = digits(2), separator("-"), let day = digits(2),
            separator("Tt"), let hour = digits(2), separator(":"), let minute = digits(2), separator(":"),
            let second = digits(2),
            (1...12).contains(month), (1...Self.daysIn(month: month, year: year)).contains(day), hour < 24,
            minute < 60, second <= 60
        else { return nil }
        var millis: Int64 = 0
        if separator(".") {
            let first = index
            var scale: Int64 = 100
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                millis += Int64(bytes[index] - UInt8(ascii: "0")) * scale
                scale /= 10
                index += 1
            }
            guard index > first else { return nil }
        }
        var offsetMinutes: Int64 = 0
        if !separator("Zz") {
            guard index < bytes.count else { return nil }
            let sign: Int64 = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            guard separator("+-"), let offsetHours = digits(2), separator(":"), let offsetMinute = digits(2),
                offsetHours < 24, offsetMinute < 60
            else { return nil }
            offsetMinutes = sign * (offsetHours * 60 + offsetMinute)
        }
        guard index == bytes.count else { return nil }
        let seconds =
            Self.daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3600
            + (minute - offsetMinutes) * 60 + second
        self.init(milliseconds: seconds * 1000 + millis)
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`, the
    /// inverse of the arithmetic in ``appendRFC3339(to:)``).
    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let marchYear = month <= 2 ? year - 1 : year
        let era = (marchYear >= 0 ? marchYear : marchYear - 399) / 400
        let yearOfEra = marchYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

extension Int64 {
    /// Quotient rounded towards negative infinity and the matching non-negative remainder.
    fileprivate func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let (quotient, remainder) = quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}
