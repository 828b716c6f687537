import Foundation
import HeraldCore
import Testing

@Suite struct TimestampTests {
    @Test func formatsRFC3339WithMilliseconds() {
        #expect(Timestamp(milliseconds: 0).description == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(milliseconds: 1_795_255_200_123).description == "2026-11-21T10:00:00.123Z")
        #expect(Timestamp(milliseconds: -1).description == "1969-12-31T23:59:59.999Z")
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
