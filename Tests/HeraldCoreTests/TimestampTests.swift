import Foundation
import HeraldCore
import Testing

@Suite struct TimestampTests {
    @Test func formatsRFC3339WithMilliseconds() {
        #expect(Timestamp(milliseconds: 0).description == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(milliseconds: 1_795_255_200_123).description == "2026-11-21T10:00:00.123Z")
        #expect(Timestamp(milliseconds: -1).description == "1969-12-31T23:59:59.999Z")
    }

    /// The C library's calendar (`gmtime_r`) as the reference for the formatter's own arithmetic.
    static func referenceFormat(_ milliseconds: Int64) -> String {
        let millis = ((milliseconds % 1000) + 1000) % 1000
        var seconds = time_t((milliseconds - millis) / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1,
            parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, Int32(millis))
    }

    @Test func formatsLikeTheCLibraryCalendarFromYear1To9999() {
        let first: Int64 = -62_135_596_800_000  // 0001-01-01T00:00:00.000Z
        let last: Int64 = 253_402_300_799_999  // 9999-12-31T23:59:59.999Z
        var edges: [Int64] = [first, last, -86_400_000, -86_399_999, 86_399_999, 86_400_000]
        for dayStart: Int64 in [951_782_400_000, 951_868_800_000, -2_203_891_200_000, 4_107_542_400_000] {
            // 2000-02-29, 2000-03-01, 1900-03-01, 2100-03-01 and the milliseconds around them
            edges += [dayStart - 1, dayStart, dayStart + 1]
        }
        var generator = SystemRandomNumberGenerator()
        let samples = edges + (0..<20_000).map { _ in Int64.random(in: first...last, using: &generator) }
        for milliseconds in samples {
            #expect(Timestamp(milliseconds: milliseconds).description == Self.referenceFormat(milliseconds))
        }
        #expect(Timestamp(milliseconds: last + 1).description == "10000-01-01T00:00:00.000Z")
    }

    @Test func parsesWhatItFormats() throws {
        for millis: Int64 in [0, 1, 999, 1_795_255_200_123, 4_102_444_799_999] {
            let stamp = Timestamp(milliseconds: millis)
            #expect(Timestamp(rfc3339: stamp.description) == stamp)
        }
        #expect(Timestamp(rfc3339: "2026-11-21T10:00:00Z")?.milliseconds == 1_795_255_200_000)
        #expect(Timestamp(rfc3339: "2026-11-21 10:00:00Z") == nil)
        #expect(Timestamp(rfc3339: "garbage") == nil)
    }

    @Test func parsesEveryInstantItFormatsFromYear1To9999() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let stamp = Timestamp(
                milliseconds: Int64.random(in: -62_135_596_800_000...253_402_300_799_999, using: &generator))
            #expect(Timestamp(rfc3339: stamp.description) == stamp, "\(stamp)")
        }
    }

    @Test(arguments: [
        ("2026-11-21T10:00:00.123Z", "2026-11-21T10:00:00.123Z"),
        ("2026-11-21t10:00:00.123z", "2026-11-21T10:00:00.123Z"),
        ("2026-11-21T11:30:00+01:30", "2026-11-21T10:00:00.000Z"),
        ("2026-11-21T00:15:00.5-10:00", "2026-11-21T10:15:00.500Z"),
        ("2026-11-21T10:00:00-00:00", "2026-11-21T10:00:00.000Z"),
        ("2026-11-21T10:00:00.123456789Z", "2026-11-21T10:00:00.123Z"),
        ("2024-02-29T23:59:59.999+00:00", "2024-02-29T23:59:59.999Z"),
        ("2000-02-29T00:00:00Z", "2000-02-29T00:00:00.000Z"),
        ("2016-12-31T23:59:60Z", "2017-01-01T00:00:00.000Z"),
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"),
    ])
    func parsesOffsetsFractionsAndCase(_ text: String, _ utc: String) {
        #expect(Timestamp(rfc3339: text)?.description == utc)
    }

    @Test(arguments: [
        "", "2026-11-21", "2026-11-21T10:00Z", "2026-11-21T10:00:00", "2026-11-21T10:00:00.Z",
        "2026-11-21T10:00:00+0100", "2026-11-21T10:00:00+01", "2026-11-21T10:00:00Z ", " 2026-11-21T10:00:00Z",
        "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z",
        "2026-01-01T00:00:61Z", "2026-01-01T00:00:00+24:00", "2026-01-01T00:00:00+01:60", "+2026-01-01T00:00:00Z",
        "2026-1-01T00:00:00Z", "２０２６-01-01T00:00:00Z", "2026-01-01T00:00:00.1a2Z",
    ])
    func refusesWhatIsNotAnRFC3339Instant(_ text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    /// Seconds as a JWT's `exp` gives them: rounded to the millisecond, and clamped where the
    /// milliseconds would not fit (a backend's far-future token once stopped the server).
    @Test func secondsAreRoundedAndClampedToTheMillisecondRange() {
        #expect(Timestamp(clampingSecondsSince1970: 1_795_255_200.1234).milliseconds == 1_795_255_200_123)
        #expect(Timestamp(clampingSecondsSince1970: -1.0006).milliseconds == -1001)
        #expect(Timestamp(clampingSecondsSince1970: 9.2e15).milliseconds == 9_200_000_000_000_000_000)
        #expect(Timestamp(clampingSecondsSince1970: 9.3e15).milliseconds == .max)
        #expect(Timestamp(clampingSecondsSince1970: 1e300).milliseconds == .max)
        #expect(Timestamp(clampingSecondsSince1970: .infinity).milliseconds == .max)
        #expect(Timestamp(clampingSecondsSince1970: -9.3e15).milliseconds == .min)
        #expect(Timestamp(clampingSecondsSince1970: -.infinity).milliseconds == .min)
        #expect(Timestamp(clampingSecondsSince1970: .nan).milliseconds == .min)
    }

    @Test func encodesAsJSONString() throws {
        let data = try JSONEncoder().encode([Timestamp(milliseconds: 1_795_255_200_123)])
        #expect(String(decoding: data, as: UTF8.self) == "[\"2026-11-21T10:00:00.123Z\"]")
    }

    @Test func nowIsCloseToFoundationsClock() {
        let now = Timestamp.now().milliseconds
        let reference = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(abs(now - reference) < 1000)
    }
}
