/// An `http://host:port/path` template; the path may hold ``TextTemplate``'s placeholders.
struct URLTemplate: Sendable {
    let host: String
    let port: Int
    let pathTemplate: TextTemplate

    init(_ text: String) throws {
        guard text.hasPrefix("http://") else { throw BenchError("only http:// URLs are supported: \(text)") }
        let rest = text.dropFirst("http://".count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        pathTemplate = TextTemplate(slash == rest.endIndex ? "/" : String(rest[slash...]))
        if let colon = authority.lastIndex(of: ":"), let port = Int(authority[authority.index(after: colon)...]) {
            host = String(authority[..<colon])
            self.port = port
        } else {
            host = String(authority)
            port = 80
        }
        guard ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host) || host.hasPrefix("127.") else {
            throw BenchError("refusing non-loopback target \(host): benchmarks run on this machine only")
        }
    }

    func path(_ values: TemplateValues) -> String { pathTemplate.render(values) }
}
