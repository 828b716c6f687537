/// A fast, allocation-light JSON encoder for Herald's own types, byte-for-byte the output of
/// Foundation's `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]` (keys in UTF-8 byte
/// order, explicit `null`s where the types write them) — several times cheaper per notification,
/// which matters on the write path and in every response.
public struct JSONWriter: Sendable {
    /// The UTF-8 output so far.
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    /// The output as a `String`.
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Appends bytes that are already valid JSON at this position (a pre-rendered fragment).
    public mutating func raw(_ json: some Sequence<UInt8>) { bytes.append(contentsOf: json) }

    /// Appends a constant that is valid JSON at this position, such as the punctuation and key
    /// that start a member (`,"body":`): one append where ``key(_:)`` makes five.
    public mutating func raw(_ json: StaticString) { literal(json) }

    public mutating func null() { literal("null") }

    public mutating func bool(_ value: Bool) { literal(value ? "true" : "false") }

    /// Decimal digits written in place (no intermediate `String`).
    public mutating func int(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        bytes.appendDecimal(value.magnitude)
    }

    public mutating func int(_ value: Int) { int(Int64(value)) }

    /// As `JSONEncoder` writes finite doubles: Swift's shortest round-trip form, `1.0` as `1`.
    public mutating func double(_ value: Double) {
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    /// A quoted, escaped string (`"` `\` and control characters escaped; `/` and non-ASCII as is).
    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        let copied = value.utf8.withContiguousStorageIfAvailable { utf8 in
            guard !utf8.contains(where: Self.needsEscaping) else { return false }
            bytes.append(contentsOf: utf8)
            return true
        }
        if copied != true { appendEscaped(value.utf8) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// True for the bytes a JSON string cannot hold as they are.
    private static func needsEscaping(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    /// The string's bytes with each one that needs it escaped, as `JSONEncoder` escapes them.
    private mutating func appendEscaped(_ utf8: String.UTF8View) {
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [
                    0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)],
                ])
            default: bytes.append(byte)
            }
        }
    }

    public mutating func string(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    public mutating func timestamp(_ value: Timestamp?) {
        guard let value else { return null() }
        bytes.append(UInt8(ascii: "\""))
        value.appendRFC3339(to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// An object whose members the closure writes with ``key(_:)`` in sorted order.
    public mutating func object(_ members: (inout JSONWriter) -> Void) {
        bytes.append(UInt8(ascii: "{"))
        members(&self)
        bytes.append(UInt8(ascii: "}"))
    }

    /// Starts a member: `,` when needed, the key and `:`. Call in sorted key order.
    public mutating func key(_ name: StaticString) {
        separateMember()
        bytes.append(UInt8(ascii: "\""))
        literal(name)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// A member with a dynamic key (already in sorted position).
    public mutating func key(dynamic name: String) {
        separateMember()
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }

    /// The bytes of a compile-time constant, as they are.
    private mutating func literal(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// A `,` unless this member is the first of its object.
    private mutating func separateMember() {
        if let last = bytes.last, last != UInt8(ascii: "{") && last != UInt8(ascii: "[") {
            bytes.append(UInt8(ascii: ","))
        }
    }

    /// An array of the elements, each written by `element`. Inlinable, so that callers in other
    /// modules get it specialized for their sequence instead of looking its types up at run time.
    @inlinable
    public mutating func array<Element>(
        _ elements: some Sequence<Element>, _ element: (inout JSONWriter, Element) -> Void
    ) {
        raw("[")
        var first = true
        for item in elements {
            if !first { raw(",") }
            first = false
            element(&self, item)
        }
        raw("]")
    }

    /// Any JSON value; object keys sorted by their UTF-8 bytes, as `.sortedKeys` does.
    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let flag): bool(flag)
        case .int(let number): int(number)
        case .bigInteger(let digits): raw(digits.utf8)
        case .double(let number): double(number)
        case .string(let text): string(text)
        case .array(let items): array(items) { $0.value($1) }
        case .object(let members): object(members)
        }
    }

    public mutating func object(_ members: [String: JSONValue]) {
        object { writer in
            for name in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                writer.key(dynamic: name)
                writer.value(members[name]!)
            }
        }
    }
}
