import NIOHTTP1

/// What ``FastPath`` needs to know of a request's headers, read in one pass over them.
///
/// Looking each header up by name scans all of them again, compares names without regard to case
/// and builds an array of the values every time; a counts read asked eight such questions (~14% of
/// the event loop's own time under the counts load).
struct RequestHeadFacts {
    /// Every `Connection` value is `keep-alive` (any case), or there is none.
    private(set) var keepsAlive = true
    private(set) var hasOrigin = false
    private(set) var hasTransferEncoding = false
    private(set) var hasExpect = false
    /// The `Content-Length` values.
    private(set) var contentLengths: [String] = []
    /// The first `Content-Type` value.
    private(set) var contentType: String?
    /// The `Authorization` value when there is exactly one.
    private(set) var authorization: String?
    private var authorizationCount = 0

    init(_ headers: HTTPHeaders) {
        for (name, value) in headers {
            switch name.utf8.count {
            case 6 where Self.name(name, is: "origin"):
                hasOrigin = true
            case 6 where Self.name(name, is: "expect"):
                hasExpect = true
            case 10 where Self.name(name, is: "connection"):
                keepsAlive = keepsAlive && Self.name(value, is: "keep-alive")
            case 12 where Self.name(name, is: "content-type"):
                if contentType == nil { contentType = value }
            case 13 where Self.name(name, is: "authorization"):
                authorizationCount += 1
                authorization = authorizationCount == 1 ? value : nil
            case 14 where Self.name(name, is: "content-length"):
                contentLengths.append(value)
            case 17 where Self.name(name, is: "transfer-encoding"):
                hasTransferEncoding = true
            default:
                break
            }
        }
    }

    /// True when `text` is `lowercase` but for the case of ASCII letters.
    static func name(_ text: String, is lowercase: StaticString) -> Bool {
        guard text.utf8.count == lowercase.utf8CodeUnitCount else { return false }
        return lowercase.withUTF8Buffer { expected in
            zip(text.utf8, expected).allSatisfy { byte, lower in
                (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte) == lower
            }
        }
    }
}
