/// Whether a request's `Content-Type` names JSON, read as RFC 9110 §8.3.1 writes a media type
/// (`type "/" subtype *( OWS ";" OWS parameter )`, names without regard to ASCII case).
///
/// JSON is `application/json` (RFC 8259) or a type with the `+json` structured suffix (RFC 6839,
/// `application/merge-patch+json`). A type that merely begins with `application/json`
/// (`application/jsonl`, `application/json-seq`), or has `+json` somewhere in a parameter
/// (`text/plain; x=+json`), is not; both were taken as JSON when the header was matched as bytes.
/// Parameters are not read: RFC 8259 §11 defines none for JSON and has recipients ignore a
/// `charset`, since JSON exchanged between systems is UTF-8, which is how Herald reads every body.
enum JSONMediaType {
    static func matches(_ contentType: String?) -> Bool {
        guard var value = contentType else { return false }
        return value.withUTF8 { isJSON($0) }
    }

    private static func isJSON(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = skipWhitespace(bytes, from: 0)
        let typeStart = index
        while index < bytes.count, isTokenByte(bytes[index]) { index += 1 }
        let type = UnsafeBufferPointer(rebasing: bytes[typeStart..<index])
        guard !type.isEmpty, index < bytes.count, bytes[index] == UInt8(ascii: "/") else { return false }
        index += 1
        let subtypeStart = index
        while index < bytes.count, isTokenByte(bytes[index]) { index += 1 }
        let subtype = UnsafeBufferPointer(rebasing: bytes[subtypeStart..<index])
        // The type ends here: at the end, or at the parameters' `;` after optional whitespace.
        index = skipWhitespace(bytes, from: index)
        guard index == bytes.count || bytes[index] == UInt8(ascii: ";") else { return false }
        return (type.equalsIgnoringASCIICase("application") && subtype.equalsIgnoringASCIICase("json"))
            || (subtype.count > 5 && subtype[(subtype.count - 5)...].equalsIgnoringASCIICase("+json"))
    }

    private static func skipWhitespace(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") {
            index += 1
        }
        return index
    }

    /// A `tchar` of RFC 9110 §5.6.2: a letter, a digit or one of ``!#$%&'*+-.^_`|~``.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
