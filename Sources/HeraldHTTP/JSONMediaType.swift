/// What a request's `Content-Type` says of its body, read as RFC 9110 §8.3.1 writes a media type
/// (`type "/" subtype *( OWS ";" OWS parameter )`, names without regard to ASCII case).
///
/// JSON is `application/json` (RFC 8259) or a type with the `+json` structured suffix (RFC 6839,
/// `application/merge-patch+json`). JSON exchanged between systems is UTF-8 (RFC 8259 §8.1), which is
/// how Herald reads every body, so a `charset` parameter naming anything else is refused rather than
/// read as UTF-8 regardless: a Latin-1 body was otherwise taken when it happened to be ASCII and
/// `invalid_json` when it was not. A type that merely begins with `application/json`
/// (`application/jsonl`), or has `+json` somewhere in a parameter, is not JSON.
enum JSONMediaType: Equatable {
    /// JSON, in UTF-8 (no `charset`, or `charset=utf-8`).
    case json
    /// A JSON type whose `charset` parameter names another encoding.
    case otherCharset
    /// No `Content-Type`, or one that is not JSON.
    case other

    init(contentType: String?) {
        guard var value = contentType else {
            self = .other
            return
        }
        self = value.withUTF8 { Self.classify($0) }
    }

    private static func classify(_ bytes: UnsafeBufferPointer<UInt8>) -> JSONMediaType {
        var index = skipWhitespace(bytes, from: 0)
        let typeStart = index
        while index < bytes.count, isTokenByte(bytes[index]) { index += 1 }
        let type = UnsafeBufferPointer(rebasing: bytes[typeStart..<index])
        guard !type.isEmpty, index < bytes.count, bytes[index] == UInt8(ascii: "/") else { return .other }
        index += 1
        let subtypeStart = index
        while index < bytes.count, isTokenByte(bytes[index]) { index += 1 }
        let subtype = UnsafeBufferPointer(rebasing: bytes[subtypeStart..<index])
        let isJSON =
            (type.equalsIgnoringASCIICase("application") && subtype.equalsIgnoringASCIICase("json"))
            || (subtype.count > 5 && subtype[(subtype.count - 5)...].equalsIgnoringASCIICase("+json"))
        guard isJSON else { return .other }
        // The parameters: each `; name=value`, the value a token or a quoted string.
        var isUTF8 = true
        while true {
            index = skipWhitespace(bytes, from: index)
            guard index < bytes.count else { break }
            guard bytes[index] == UInt8(ascii: ";") else { return .other }
            index = skipWhitespace(bytes, from: index + 1)
            let nameStart = index
            while index < bytes.count, isTokenByte(bytes[index]) { index += 1 }
            let name = UnsafeBufferPointer(rebasing: bytes[nameStart..<index])
            // `application/json;` (an empty parameter) is common enough to be let pass.
            if name.isEmpty { continue }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { return .other }
            index += 1
            var parameterValue: [UInt8] = []
            if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                index += 1
                var closed = false
                while index < bytes.count {
                    let byte = bytes[index]
                    index += 1
                    if byte == UInt8(ascii: "\"") {
                        closed = true
                        break
                    }
                    if byte == UInt8(ascii: "\\"), index < bytes.count {
                        parameterValue.append(bytes[index])
                        index += 1
                    } else {
                        parameterValue.append(byte)
                    }
                }
                guard closed else { return .other }
            } else {
                while index < bytes.count, isTokenByte(bytes[index]) {
                    parameterValue.append(bytes[index])
                    index += 1
                }
            }
            if name.equalsIgnoringASCIICase("charset") {
                isUTF8 =
                    parameterValue.equalsIgnoringASCIICase("utf-8") || parameterValue.equalsIgnoringASCIICase("utf8")
            }
        }
        return isUTF8 ? .json : .otherCharset
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
