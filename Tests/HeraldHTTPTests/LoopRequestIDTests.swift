import Hummingbird
import NIOCore
import Testing

@testable import HeraldHTTP

/// The ids of the requests the event loop answers: 32 lowercase hex digits, as written into a
/// response and as logged, one sequence with its own prefix.
struct LoopRequestIDTests {
    @Test func idsAreThirtyTwoHexDigitsInSequenceUnderOnePrefix() throws {
        let ids = (0..<1000).map { _ in LoopRequestID() }
        let texts = ids.map(\.description)
        #expect(texts.allSatisfy { $0.utf8.count == 32 && $0.utf8.allSatisfy { "0123456789abcdef".utf8.contains($0) } })
        #expect(Set(texts).count == texts.count)
        #expect(Set(texts.map { $0.prefix(16) }).count == 1)
        // Consecutive numbers, wrapping like the counter (the sequence starts at random).
        let numbers = try texts.map { try #require(UInt64($0.suffix(16), radix: 16)) }
        #expect(zip(numbers, numbers.dropFirst()).allSatisfy { $1 == $0 &+ 1 })
        for id in ids.prefix(20) {
            var buffer = ByteBuffer()
            id.write(to: &buffer)
            #expect(buffer.readString(length: buffer.readableBytes) == id.description)
        }
        // Never one of Hummingbird's: its prefix is its own.
        #expect(!RequestID().description.hasPrefix(String(texts[0].prefix(16))))
    }
}
