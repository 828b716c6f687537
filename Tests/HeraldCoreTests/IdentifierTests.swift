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
}
