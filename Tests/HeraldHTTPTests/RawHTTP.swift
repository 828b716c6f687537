import Foundation
import HeraldTestSupport
import NIOCore
import NIOPosix
import Synchronization

/// HTTP/1.1 on a raw connection: requests written back to back in one write, responses parsed.
enum RawHTTP {
    struct Response {
        var status: Int
        /// The header lines, in order.
        var headers: [String]
        var body: String

        /// The response as two servers answering alike give it: status, header lines and body, all
        /// but the request id, the date and the timestamps (`…_at`) the store sets.
        var comparable: String {
            let headers = headers.filter { !$0.hasPrefix("X-Request-Id: ") && !$0.hasPrefix("Date: ") }
            let body = body.replacing(#/"(\w+_at)":"[^"]*"/#, with: { "\"\($0.output.1)\":\"…\"" })
            return "\(status)\n\(headers.joined(separator: "\n"))\n\(body)"
        }
    }

    /// A last request that makes the server close the connection once it answered.
    static let closing = "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"

    /// A `GET` of `path` with a bearer credential.
    static func get(_ path: String, credential: String = HTTPHarness.apiKey) -> String {
        bodiless("GET", path, credential: credential)
    }

    /// A request without a body (no `Content-Length`) of `path` with a bearer credential.
    static func bodiless(_ method: String, _ path: String, credential: String = HTTPHarness.apiKey) -> String {
        "\(method) \(path) HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(credential)\r\n\r\n"
    }

    /// A create of the notification `json` with the API key; `headers` (each line ending in CRLF)
    /// stand between the credential and the length.
    static func create(_ json: String, headers: String = "Content-Type: application/json\r\n") -> String {
        "POST /v1/notifications HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(HTTPHarness.apiKey)\r\n\(headers)"
            + "Content-Length: \(json.utf8.count)\r\n\r\n\(json)"
    }

    /// Sends each request on a connection of its own (then ``closing``) and returns its answer:
    /// behind a request Hummingbird answers, a connection's later requests all go there too.
    static func answersAlone(port: Int, _ requests: [String]) async throws -> [Response] {
        var answers: [Response] = []
        for request in requests {
            let exchanged = try await exchange(port: port, request + closing)
            guard exchanged.count == 2 else { throw TestFailure("\(exchanged.count) responses to \(request)") }
            answers.append(exchanged[0])
        }
        return answers
    }

    /// A fresh connection to `port` as an async channel of raw bytes, for exchanges that go step by
    /// step (run them in `executeThenClose`); with `halfClosure`, it can still send once the server
    /// closed its side.
    static func connect(port: Int, halfClosure: Bool = false) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: halfClosure)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
    }

    /// Everything the server sends on a fresh connection after `requests`, in one write, until it
    /// closes the connection: raw, for answers ``exchange(port:_:deadline:)`` cannot frame by their
    /// `Content-Length` (those to `HEAD`).
    static func received(port: Int, _ requests: String) async throws -> String {
        try await connect(port: port).executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: requests))
            var received = ""
            for try await chunk in inbound { received += String(buffer: chunk) }
            return received
        }
    }

    /// Sends `requests` in one write on a fresh connection, then reads the stream they open with
    /// ``readStream(_:opened:until:)``; the connection is closed after.
    static func stream(
        port: Int, _ requests: String, opened: () async throws -> Void = {},
        until done: (String) -> Bool = { _ in false }
    ) async throws -> String {
        try await connect(port: port).executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: requests))
            return try await readStream(inbound, opened: opened, until: done)
        }
    }

    /// Reads a stream's raw bytes from `inbound` until `done` says it has enough or the server
    /// closes the connection; once the opening `counts` event arrived, runs `opened` (a publish)
    /// once.
    static func readStream(
        _ inbound: NIOAsyncChannelInboundStream<ByteBuffer>, opened: () async throws -> Void,
        until done: (String) -> Bool = { _ in false }
    ) async throws -> String {
        var received = ""
        var published = false
        for try await chunk in inbound {
            received += String(buffer: chunk)
            if !published, received.contains("event: counts") {
                published = true
                try await opened()
            }
            if done(received) { break }
        }
        return received
    }

    /// Sends `requests` in one write on a fresh connection and reads every response until the
    /// server closes the connection (the last request asks it to). With a `deadline`, a connection
    /// the server still holds open that long after is closed and the exchange fails.
    static func exchange(port: Int, _ requests: String, deadline: TimeAmount? = nil) async throws -> [Response] {
        let group = MultiThreadedEventLoopGroup.singleton
        let collector = ResponseCollector(promise: group.next().makePromise())
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let overdue = Atomic(false)
        let timer = deadline.map { deadline in
            channel.eventLoop.scheduleTask(in: deadline) {
                overdue.store(true, ordering: .relaxed)
                channel.close(promise: nil)
            }
        }
        try await channel.writeAndFlush(ByteBuffer(string: requests))
        let received = try await collector.promise.futureResult.get()
        timer?.cancel()
        guard !overdue.load(ordering: .relaxed) else {
            throw TestFailure("the server still held the connection open after \(deadline!): \(requests)")
        }
        return try parse(String(decoding: received.readableBytesView, as: UTF8.self))
    }

    private static func parse(_ text: String) throws -> [Response] {
        var rest = Substring(text)
        var responses: [Response] = []
        while !rest.isEmpty {
            guard let end = rest.range(of: "\r\n\r\n") else { throw TestFailure("incomplete head: \(rest)") }
            let lines = rest[..<end.lowerBound].split(separator: "\r\n")
            let status = Int(lines[0].split(separator: " ")[1]) ?? 0
            let length =
                lines.dropFirst().compactMap { line -> Int? in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                    return Int(parts[1].trimmingCharacters(in: .whitespaces))
                }.first ?? 0
            // Content-Length counts bytes: the body ends that many UTF-8 bytes on.
            let bodyEnd = rest.utf8.index(end.upperBound, offsetBy: length)
            let body = rest[end.upperBound..<bodyEnd]
            // An interim answer (`100 Continue`) is not the request's response: skipped, as clients do.
            if !(100..<200).contains(status) {
                responses.append(
                    Response(status: status, headers: lines.dropFirst().map(String.init), body: String(body)))
            }
            rest = rest[bodyEnd...]
        }
        return responses
    }
}
