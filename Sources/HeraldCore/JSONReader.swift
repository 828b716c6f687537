/// A strict RFC 8259 JSON parser into ``JSONValue``: the counterpart of ``JSONWriter`` for request
/// bodies, several times cheaper than Foundation's `JSONDecoder` on the write path.
///
/// Integers without a fraction or exponent that fit `Int64` become `.int`, every other number
/// `.double` (non-finite values are refused); strings must be valid UTF-8 and escapes well formed
/// (a lone surrogate is an error); a duplicate key keeps its last value; nesting is limited to
/// ``maximumDepth`` levels; nothing but whitespace may follow the value. ``read(_:_:)`` walks a
/// text with the same checks, building only the values its caller asks for.
public struct JSONReader {
    /// The deepest nesting of arrays and objects accepted.
    public static let maximumDepth = 64

    /// Why a text is not acceptable JSON, and at which byte.
    public struct Failure: Error, Sendable, Equatable {
        /// Byte offset of the problem.
        public let offset: Int
        /// What is wrong, for error messages.
        public let reason: String
    }

    /// Parses a complete JSON text (in place when the bytes are contiguous: arrays, native strings'
    /// UTF-8 views, NIO buffer views).
    public static func parse(_ bytes: some Collection<UInt8>) throws(Failure) -> JSONValue {
        try read(bytes) { reader throws(Failure) in try reader.value() }
    }

    /// Parses a complete JSON text whose value `body` reads, through ``value()``, ``readObject(_:)``
    /// and ``readArray(_:)``, without building the parts it only looks at: a request body straight
    /// into what the request needs. The text is checked as ``parse(_:)`` checks it, and `body` must
    /// read exactly one value.
    ///
    /// Inlinable, so that a caller in another module gets it specialized for its collection and
    /// result types: unspecialized, finding their metadata at run time cost the event loop as much
    /// as reading a create's body.
    @inlinable
    public static func read<T>(
        _ bytes: some Collection<UInt8>, _ body: (inout JSONReader) throws(Failure) -> T
    ) throws(Failure) -> T {
        let read: Result<T, Failure>? = bytes.withContiguousStorageIfAvailable { buffer in
            do throws(Failure) { return .success(try readContiguous(UnsafeRawBufferPointer(buffer), body)) } catch {
                return .failure(error)
            }
        }
        guard let read else { return try Self.read(Array(bytes), body) }
        return try read.get()
    }

    @usableFromInline
    static func readContiguous<T>(
        _ bytes: UnsafeRawBufferPointer, _ body: (inout JSONReader) throws(Failure) -> T
    ) throws(Failure) -> T {
        var reader = JSONReader(bytes: bytes.bindMemory(to: UInt8.self))
        reader.skipWhitespace()
        let value = try body(&reader)
        reader.skipWhitespace()
        guard reader.index == reader.bytes.count else { throw reader.failure("unexpected data after the value") }
        return value
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var depth = 0

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private func failure(_ reason: String) -> Failure { Failure(offset: index, reason: reason) }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func expect(_ byte: UInt8, _ reason: String) throws(Failure) {
        guard current == byte else { throw failure(reason) }
        index += 1
    }

    /// Reads the next value whole.
    public mutating func value() throws(Failure) -> JSONValue {
        guard let byte = current else { throw failure("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"):
            var members: [String: JSONValue] = [:]
            try readObject { key, reader throws(Failure) in members[key] = try reader.value() }
            return .object(members)
        case UInt8(ascii: "["):
            var items: [JSONValue] = []
            try readArray { reader throws(Failure) in items.append(try reader.value()) }
            return .array(items)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw failure("unexpected character")
        }
    }

    /// Reads past the next value, checking it as ``value()`` does, without building it: no
    /// dictionaries, arrays or numbers, and a string only when it has escapes to undo or bytes
    /// beyond ASCII to check.
    public mutating func skipValue() throws(Failure) {
        guard let byte = current else { throw failure("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"): try readObject { _, reader throws(Failure) in try reader.skipValue() }
        case UInt8(ascii: "["): try readArray { reader throws(Failure) in try reader.skipValue() }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try number()
        default: _ = try value()  // a literal, or the error
        }
    }

    /// Reads the next value when it is a string; nil, having read nothing, when it is not.
    public mutating func readString() throws(Failure) -> String? {
        guard current == UInt8(ascii: "\"") else { return nil }
        return try string()
    }

    /// Reads the next value when it is an object, calling `member` with each key (a duplicate key
    /// comes again) and the reader at that key's value, which `member` must read; true then. False,
    /// having read nothing, when the next value is not an object.
    @discardableResult
    public mutating func readObject(
        _ member: (String, inout JSONReader) throws(Failure) -> Void
    ) throws(Failure) -> Bool {
        guard current == UInt8(ascii: "{") else { return false }
        try enterNested()
        defer { depth -= 1 }
        index += 1  // {
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            return true
        }
        while true {
            guard current == UInt8(ascii: "\"") else { throw failure("expected a string key") }
            let key = try string()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "expected ':' after a key")
            skipWhitespace()
            try member(key, &self)
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                index += 1
                return true
            default:
                throw failure("expected ',' or '}'")
            }
        }
    }

    /// Reads the next value when it is an array, calling `element` with the reader at each item,
    /// which `element` must read; true then. False, having read nothing, when it is not an array.
    @discardableResult
    public mutating func readArray(_ element: (inout JSONReader) throws(Failure) -> Void) throws(Failure) -> Bool {
        guard current == UInt8(ascii: "[") else { return false }
        try enterNested()
        defer { depth -= 1 }
        index += 1  // [
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            return true
        }
        while true {
            try element(&self)
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                index += 1
                return true
            default:
                throw failure("expected ',' or ']'")
            }
        }
    }

    /// One level deeper; the caller steps back out (`depth -= 1`) when it leaves.
    private mutating func enterNested() throws(Failure) {
        guard depth < Self.maximumDepth else { throw failure("nested more than \(Self.maximumDepth) levels") }
        depth += 1
    }

    private mutating func literal(_ word: StaticString, _ value: JSONValue) throws(Failure) -> JSONValue {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count,
            UnsafeBufferPointer(start: word.utf8Start, count: count).elementsEqual(bytes[index..<index + count])
        else { throw failure("unexpected character") }
        index += count
        return value
    }

    /// Reads past a string with the checks of ``string()``; builds it only when it has escapes.
    private mutating func skipString() throws(Failure) {
        let start = index + 1
        var bits: UInt8 = 0
        var end = start
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") {
                if bits >= 0x80 {  // not ASCII: check the UTF-8
                    _ = try validated(UnsafeBufferPointer(rebasing: bytes[start..<end]), ascii: false, at: start)
                }
                index = end + 1
                return
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else {
                index = end
                throw failure("control character in a string")
            }
            bits |= byte
            end += 1
        }
        _ = try string()  // escapes (or no closing quote): the full reader
    }

    private mutating func string() throws(Failure) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes.
        var bits: UInt8 = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = try validated(
                    UnsafeBufferPointer(rebasing: bytes[start..<index]), ascii: bits < 0x80, at: start)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw failure("control character in a string") }
            bits |= byte
            index += 1
        }
        var unescaped = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return try unescaped.withUnsafeBufferPointer { buffer throws(Failure) in
                    try validated(buffer, ascii: false, at: start)
                }
            case UInt8(ascii: "\\"):
                index += 1
                try escape(into: &unescaped)
            case 0..<0x20:
                throw failure("control character in a string")
            default:
                unescaped.append(byte)
                index += 1
            }
        }
        throw failure("unterminated string")
    }

    /// The string of `utf8`, which must be valid UTF-8. `ascii`: every byte is known to be below
    /// 0x80, so there is nothing to check.
    ///
    /// Decoding with repairs and comparing is `String(validating:as:)` without its cost: the
    /// standard library does not specialize that generic initializer, which looked up generic
    /// metadata for every string, about a fifth of the parsing of a batch request (`perf`). A
    /// repaired string is valid UTF-8, so one equal to its input proves the input valid, and a
    /// valid input always comes back unchanged.
    private func validated(_ utf8: UnsafeBufferPointer<UInt8>, ascii: Bool, at offset: Int) throws(Failure) -> String {
        let text = String(decoding: utf8, as: UTF8.self)
        guard ascii || text.utf8.elementsEqual(utf8) else {
            throw Failure(offset: offset, reason: "string is not valid UTF-8")
        }
        return text
    }

    /// Reads one escape sequence (after the backslash) and appends its UTF-8 bytes.
    private mutating func escape(into output: inout [UInt8]) throws(Failure) {
        guard let byte = current else { throw failure("unterminated string") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(byte)
        case UInt8(ascii: "b"): output.append(0x08)
        case UInt8(ascii: "f"): output.append(0x0C)
        case UInt8(ascii: "n"): output.append(0x0A)
        case UInt8(ascii: "r"): output.append(0x0D)
        case UInt8(ascii: "t"): output.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar) {
                guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u")
                else { throw failure("unpaired surrogate in a \\u escape") }
                index += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate in a \\u escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw failure("unpaired surrogate in a \\u escape")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw failure("invalid \\u escape") }
            output.append(contentsOf: UTF8.encode(unicode)!)
        default:
            throw failure("invalid escape")
        }
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard index + 4 <= bytes.count else { throw failure("invalid \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("invalid \\u escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private mutating func number() throws(Failure) -> JSONValue {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            throw failure("invalid number")
        }
        if first == UInt8(ascii: "0") {
            index += 1
        } else {
            skipDigits()
        }
        var integral = true
        if current == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard skipDigits() > 0 else { throw failure("invalid number") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            integral = false
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard skipDigits() > 0 else { throw failure("invalid number") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if integral { return Int64(text).map(JSONValue.int) ?? .bigInteger(text) }
        guard let value = Double(text), value.isFinite else {
            throw Failure(offset: start, reason: "number out of range")
        }
        return .double(value)
    }

    @discardableResult
    private mutating func skipDigits() -> Int {
        let start = index
        while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
        return index - start
    }
}
