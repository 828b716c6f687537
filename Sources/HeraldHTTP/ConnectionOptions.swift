/// What a request's `Connection` headers say, gathered value by value: the one reading of them
/// that ``ConnectionCloseHandler`` (which rewrites the requests that end their connection) and
/// ``RequestHeadFacts`` (which the fast path takes requests by) share.
struct ConnectionOptions {
    /// How many `Connection` headers there are.
    private(set) var count = 0
    /// Every value is `keep-alive` (any case), or there is none.
    private(set) var allKeepAlive = true
    private var lastSaysClose = false

    /// There is one value, exactly `close`: how every request that ends its connection reaches the
    /// fast path, once ``ConnectionCloseHandler`` rewrote the other ways to say it.
    var saysExactlyClose: Bool { count == 1 && lastSaysClose }
    /// There is at least one value, and every one is `keep-alive`: how an HTTP/1.0 request asks
    /// to keep its connection, as the fast path takes it.
    var saysKeepAlive: Bool { count > 0 && allKeepAlive }

    /// One of the values lists the option `upgrade` (any case): with an `Upgrade` header, the
    /// request asks to switch protocols (``ConnectionCloseHandler``).
    private(set) var asksUpgrade = false

    mutating func add(_ value: String) {
        count += 1
        let isKeepAlive = value.utf8.equalsIgnoringASCIICase("keep-alive")
        allKeepAlive = allKeepAlive && isKeepAlive
        lastSaysClose = value == "close"
        if !isKeepAlive && !lastSaysClose && !asksUpgrade {
            asksUpgrade = value.utf8.split(separator: UInt8(ascii: ",")).contains { option in
                let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
                guard let first = option.firstIndex(where: { !isBlank($0) }),
                    let last = option.lastIndex(where: { !isBlank($0) })
                else { return false }
                return option[first...last].equalsIgnoringASCIICase("upgrade")
            }
        }
    }
}
