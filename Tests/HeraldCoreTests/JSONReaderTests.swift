import Foundation
import HeraldCore
import Testing

@Suite struct JSONReaderTests {
    func parse(_ text: String) throws(JSONReader.Failure) -> JSONValue { try JSONReader.parse(Array(text.utf8)) }

    @Test func readsEveryKindOfValue() throws {
        let value = try parse(
            #" { "a" : [1, -2, 3.5, -0.25e2, 1E3, true, false, null, "x"], "b": {}, "c": [], "d": 9223372036854775807 } "#
        )
        #expect(
            value
                == .object([
                    "a": .array([
                        .int(1), .int(-2), .double(3.5), .double(-25), .double(1000), .bool(true), .bool(false), .null,
                        .string("x"),
                    ]),
                    "b": .object([:]), "c": .array([]), "d": .int(Int64.max),
                ]))
    }

    @Test func integersBeyondInt64KeepTheirDigits() throws {
        #expect(try parse("9223372036854775807") == .int(.max))
        #expect(try parse("9223372036854775808") == .bigInteger("9223372036854775808"))
        #expect(try parse("-9223372036854775809") == .bigInteger("-9223372036854775809"))
        #expect(try parse(String(repeating: "9", count: 400)) == .bigInteger(String(repeating: "9", count: 400)))
        #expect(try parse("1e20") == .double(1e20))
        #expect(try parse("-0") == .int(0))
        var writer = JSONWriter()
        writer.value(try parse("[18446744073709551615,-99999999999999999999]"))
        #expect(writer.string == "[18446744073709551615,-99999999999999999999]")
    }

    @Test func decodesEscapesAndUnicode() throws {
        #expect(try parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{8}\u{C}\n\r\t"))
        #expect(try parse(#""\u00e9\u20AC\ud83d\ude00""#) == .string("é€😀"))
        #expect(try parse(#""naïve ünïcode 😀""#) == .string("naïve ünïcode 😀"))
        #expect(try parse(#"{"k":"v","k":"w"}"#) == .object(["k": .string("w")]))
    }

    @Test(arguments: [
        "", " ", "{", "}", "[1,]", "[,1]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{\"a\":1}x", "01", "1.", ".5", "-",
        "1e", "+1", "tru", "nul", "\"abc", "\"a\u{1}b\"", #""\x""#, #""\u12G4""#, #""\ud800""#, #""\udc00x""#,
        #""\ud800\u0041""#, "NaN", "Infinity", "1e999", "[1 2]", "'a'", "\u{FEFF}{}",
        // A raw control character after an escape, where the reader has left its fast path.
        "\"\\n\u{1}b\"", "\"a\\tb\nc\"", "{\"k\\\"\u{1F}\":1}",
    ])
    func refusesInvalidText(_ text: String) {
        #expect(throws: JSONReader.Failure.self) { try parse(text) }
        #expect(throws: JSONReader.Failure.self) { try skip(Array(text.utf8)) }
    }

    /// Every text cut short of its end is refused, and never read past its end, wherever the cut
    /// falls: inside a number, a literal, an escape, a surrogate pair, or right after its `\`.
    @Test func refusesEveryTextCutShort() throws {
        let whole = Array(#"{"a":[1,-2.5e3,true,false,null,"x\"\\\u00e9\ud83d\ude00y"],"b":{}}"#.utf8)
        _ = try JSONReader.parse(whole)
        for end in 0..<whole.count {
            let prefix = Array(whole[..<end])
            #expect(throws: JSONReader.Failure.self, "\(String(decoding: prefix, as: UTF8.self))") {
                try JSONReader.parse(prefix)
            }
            #expect(throws: JSONReader.Failure.self) { try skip(prefix) }
        }
    }

    /// `skipValue()` reads past a value with the checks of `value()`, building nothing.
    private func skip(_ bytes: [UInt8]) throws(JSONReader.Failure) {
        try JSONReader.read(bytes) { reader throws(JSONReader.Failure) in try reader.skipValue() }
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: JSONReader.Failure.self) { try JSONReader.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONReader.Failure.self) { try JSONReader.parse([0x22, 0xED, 0xA0, 0x80, 0x22]) }
    }

    /// Strings with and without escapes accept exactly the byte sequences that are valid UTF-8,
    /// and keep them as they are, U+FFFD (what a repair would write) included.
    @Test func acceptsExactlyValidUTF8() throws {
        let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]
        for escaped in [false, true] {
            let prefix: [UInt8] = escaped ? Array(#"\n"#.utf8) : []
            let quoted = { (bytes: [UInt8]) in [0x22] + prefix + bytes + [0x22] }
            #expect(try JSONReader.parse(quoted(replacement)) == .string((escaped ? "\n" : "") + "\u{FFFD}"))
            // Overlong, surrogate, beyond U+10FFFF, truncated, stray continuation.
            for invalid: [UInt8] in [
                [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80],
                [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x82], [0x80], [0x61, 0xBF, 0xBD], [0xFF],
            ] {
                #expect(throws: JSONReader.Failure.self) { try JSONReader.parse(quoted(invalid)) }
                #expect(throws: JSONReader.Failure.self) { try JSONReader.parse(quoted(replacement + invalid)) }
                #expect(throws: JSONReader.Failure.self) { try skip(quoted(invalid)) }
                #expect(throws: JSONReader.Failure.self) { try skip(quoted(replacement + invalid)) }
            }
        }
        // Random bytes (no quote, backslash or control character) against the standard library's
        // own validation.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 1...8, using: &generator)).map { _ -> UInt8 in
                let byte = UInt8.random(in: 0x20...0xFF, using: &generator)
                return byte == 0x22 || byte == 0x5C ? 0x61 : byte
            }
            let expected = String(validating: bytes, as: UTF8.self)
            #expect((try? JSONReader.parse([0x22] + bytes + [0x22])) == expected.map { .string($0) }, "\(bytes)")
            #expect(((try? skip([0x22] + bytes + [0x22])) != nil) == (expected != nil), "\(bytes)")
        }
    }

    @Test func limitsNesting() throws {
        let deep =
            String(repeating: "[", count: JSONReader.maximumDepth)
            + String(repeating: "]", count: JSONReader.maximumDepth)
        #expect(try parse(deep) != .null)
        try skip(Array(deep.utf8))
        let tooDeep = "[" + deep + "]"
        #expect(throws: JSONReader.Failure.self) { try parse(tooDeep) }
        #expect(throws: JSONReader.Failure.self) { try skip(Array(tooDeep.utf8)) }
    }

    @Test func readVisitsMembersInOrderAndBuildsOnlyWhatIsAsked() throws {
        var seen: [String] = []
        var firstOfB: JSONValue?
        let isObject = try JSONReader.read(Array(#" {"a": 1, "b": [true, {"c": null}], "a": "x"} "#.utf8)) {
            reader throws(JSONReader.Failure) in
            try reader.readObject { key, reader throws(JSONReader.Failure) in
                seen.append(key)
                guard key == "b" else { return _ = try reader.value() }
                var index = 0
                #expect(try !reader.readObject { _, _ throws(JSONReader.Failure) in })
                try reader.readArray { reader throws(JSONReader.Failure) in
                    let value = try reader.value()
                    if index == 0 { firstOfB = value }
                    index += 1
                }
            }
        }
        #expect(isObject)
        #expect(seen == ["a", "b", "a"])
        #expect(firstOfB == .bool(true))
        let notAnArray = try JSONReader.read(Array("5".utf8)) { reader throws(JSONReader.Failure) in
            let isArray = try reader.readArray { _ throws(JSONReader.Failure) in }
            #expect(try reader.value() == .int(5))
            return isArray
        }
        #expect(!notAnArray)
        // A reader that leaves a value unread is a text that does not parse.
        #expect(throws: JSONReader.Failure.self) {
            try JSONReader.read(Array(#"{"a":1}"#.utf8)) { reader throws(JSONReader.Failure) in
                try reader.readObject { _, _ throws(JSONReader.Failure) in }
            }
        }
        #expect(throws: JSONReader.Failure.self) {
            try JSONReader.read(Array(#"{"a":1} 2"#.utf8)) { reader throws(JSONReader.Failure) in try reader.value() }
        }
    }

    @Test func reportsWhereTheTextWentWrong() {
        let failure = #expect(throws: JSONReader.Failure.self) { try parse(#"{"a":1 "b":2}"#) }
        #expect(failure?.offset == 7)
        #expect(failure?.reason == "expected ',' or '}'")
    }

    /// Agrees with Foundation's parser on what it accepts, for a spread of generated documents.
    @Test func agreesWithJSONSerializationOnGeneratedDocuments() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let value = Self.randomValue(depth: 0, using: &generator)
            var writer = JSONWriter()
            writer.value(value)
            let parsed = try JSONReader.parse(writer.bytes)
            try skip(writer.bytes)
            var rewritten = JSONWriter()
            rewritten.value(parsed)
            #expect(rewritten.bytes == writer.bytes)
            let foundation = try JSONSerialization.jsonObject(with: Data(writer.bytes), options: [.fragmentsAllowed])
            let again = try JSONSerialization.data(withJSONObject: foundation, options: [.fragmentsAllowed])
            #expect((try? JSONReader.parse(Array(again))) != nil)
        }
    }

    static func randomValue(depth: Int, using generator: inout SystemRandomNumberGenerator) -> JSONValue {
        switch Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .int(Int64.random(in: Int64.min...Int64.max, using: &generator))
        case 3:
            return Bool.random(using: &generator)
                ? .double(Double.random(in: -1e6...1e6, using: &generator))
                : .bigInteger("1" + String(UInt64.random(in: .min ... .max, using: &generator)) + "000")
        case 4:
            let alphabet = Array("aZ09 \"\\/\n\t\u{1}é€😀")
            return .string(
                String(
                    (0..<Int.random(in: 0..<12, using: &generator)).map { _ in
                        alphabet.randomElement(using: &generator)!
                    }))
        case 5:
            return .array(
                (0..<Int.random(in: 0..<5, using: &generator)).map { _ in
                    randomValue(depth: depth + 1, using: &generator)
                })
        default:
            var members: [String: JSONValue] = [:]
            for index in 0..<Int.random(in: 0..<5, using: &generator) {
                members["k\(index)"] = randomValue(depth: depth + 1, using: &generator)
            }
            return .object(members)
        }
    }
}
