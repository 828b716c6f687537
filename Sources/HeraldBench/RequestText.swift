/// The text of HTTP/1.1 requests that the generator writes as bytes, checked so that a path or a
/// header from the command line cannot break the request apart.
enum RequestText {
    /// `Host` and `headers` as header lines, each ending in CRLF.
    static func headerLines(host: String, headers: [(String, String)]) throws(BenchError) -> String {
        var lines = "Host: \(host)\r\n"
        for (name, value) in headers {
            guard !name.isEmpty, !"\(name)\(value)".utf8.contains(where: { $0 == 10 || $0 == 13 }),
                !name.utf8.contains(where: { $0 == UInt8(ascii: ":") || $0 <= 32 })
            else { throw BenchError("invalid header \(name)") }
            lines += "\(name): \(value)\r\n"
        }
        return lines
    }

    /// A request target with no space, control character or line break in it.
    static func isValidPath(_ path: String) -> Bool {
        !path.isEmpty && !path.utf8.contains(where: { $0 <= 32 || $0 == 127 })
    }
}
