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

    @Test func randomIdentifiersAreVersion4UUIDsAndDistinct() throws {
        let ids = (0..<1000).map { _ in Identifier.random() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            #expect(Identifier.isValid(id))
            let uuid = try #require(UUID(uuidString: id), "\(id)")
            #expect(uuid.uuidString.lowercased() == id)
            let parts = id.split(separator: "-")
            #expect(parts.map(\.count) == [8, 4, 4, 4, 12])
            #expect(parts[2].first == "4")
            #expect("89ab".contains(parts[3].first!))
        }
    }
}
