import NIOHTTP1

/// How far the requests on a connection have got, counted from the parts the HTTP codec decodes
/// as they arrive and the answers as they end: for ``IdleConnectionHandler``, which sees only
/// bytes.
struct RequestProgress {
    /// Requests read to their end.
    private(set) var ended = 0
    /// Whether a request's head was read and its end not yet.
    private(set) var isInRequest = false
    /// Answers written to their end (one may come before its request's end: an early `401`).
    private(set) var answered = 0

    /// Whether the request being read was answered before its end.
    var isAnsweredAhead: Bool { answered > ended }

    /// Whether a request whose head was read still waits for its answer to end: more heads read
    /// (the requests ended, and the one being read) than answers ended.
    var owesAnswer: Bool { ended + (isInRequest ? 1 : 0) > answered }

    /// Counts a request part as the codec passes it on.
    mutating func count(_ part: HTTPServerRequestPart) {
        switch part {
        case .head: isInRequest = true
        case .body: break
        case .end:
            isInRequest = false
            ended &+= 1
        }
    }

    /// Counts an answer written to its end.
    mutating func countAnswer() { answered &+= 1 }
}
