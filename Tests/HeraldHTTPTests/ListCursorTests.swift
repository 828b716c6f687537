import Foundation
import HeraldCore
import Testing

@testable import HeraldHTTP

/// The list's opaque `cursor`: what a page hands out reads back as its position, and nothing else
/// reads as one (positions start at 1: a cursor at 0 or below was never handed out).
struct ListCursorTests {
    static func encoded(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    @Test func aCursorReadsBackAsItsPosition() throws {
        for position: Int64 in [1, 2, 63, 64, 1_000_000_007, .max] {
            #expect(try ListCursor.decode(ListCursor.encode(position)) == position)
        }
    }

    @Test func aCursorNoPageHandsOutIsInvalid() {
        for text in ["p:0", "p:-1", "p:", "p:x", "q:5", "p:5 ", "p:99999999999999999999"] {
            #expect(throws: HeraldError.self, "\(text)") { try ListCursor.decode(Self.encoded(text)) }
        }
        #expect(throws: HeraldError.self) { try ListCursor.decode(String(repeating: "A", count: 65)) }
        #expect(throws: HeraldError.self) { try ListCursor.decode("%%%") }
    }
}
