import Foundation
import HeraldCore
import Testing

@Suite struct IdentifierTests {
    @Test(arguments: [
        "u42", "a", "order-1234-shipped", "user@example.com", "a:b.c_d-e", String(repeating: "x", count: 128),
    ])
    func acceptsValidIdentifiers(_ text: String) {
        #expect(Identifier.isValid(text))
    }

    @Test(arguments: ["", "has space", "slash/no", "ümlaut", String(repeating: "x", count: 129), "tab\t", "q?x", "#"])
    func rejectsInvalidIdentifiers(_ text: String) {
        #expect(!Identifier.isValid(text))
        #expect(throws: HeraldError.self) { try Identifier.validate(text, what: "user") }
    }

    @Test func generatedIdentifiersAreVersion7UUIDsAndDistinct() throws {
        let time = Timestamp(milliseconds: 1_800_000_000_000)
        let ids = (0..<1000).map { _ in Identifier.generate(at: time) }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            #expect(Identifier.isValid(id))
            let uuid = try #require(UUID(uuidString: id), "\(id)")
            #expect(uuid.uuidString.lowercased() == id)
            let parts = id.split(separator: "-")
            #expect(parts.map(\.count) == [8, 4, 4, 4, 12])
            // The first 48 bits are the Unix milliseconds: 1_800_000_000_000 is 0x01a3185c5000.
            #expect(parts[0] + parts[1] == "01a3185c5000")
            #expect(parts[2].first == "7")
            #expect("89ab".contains(parts[3].first!))
        }
    }

    /// The random bits come from a shared pool drawn in blocks: ids made at the same time on many
    /// threads, across many refills, never repeat.
    @Test func identifiersMadeConcurrentlyAreDistinct() async {
        let time = Timestamp(milliseconds: 1_800_000_000_000)
        let ids = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<2000).map { _ in Identifier.generate(at: time) } }
            }
            var all: [String] = []
            for await some in group { all += some }
            return all
        }
        #expect(ids.count == 16000)
        #expect(Set(ids).count == ids.count)
    }

    @Test func laterIdentifiersSortAfterEarlierOnes() {
        var milliseconds: Int64 = 1_700_000_000_000
        var previous = Identifier.generate(at: Timestamp(milliseconds: milliseconds))
        for step in 0..<2000 {
            milliseconds += Int64(step % 3 + 1)
            let next = Identifier.generate(at: Timestamp(milliseconds: milliseconds))
            #expect(previous < next, "\(previous) then \(next)")
            previous = next
        }
    }
}
