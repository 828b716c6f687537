import AsyncHTTPClient
import Foundation
import NIOCore

/// Reads an SSE response incrementally, one message at a time.
final class SSEReader {
    let status: Int
    let headers: [String: String]
    private let client: HTTPClient
    private var iterator: HTTPClientResponse.Body.AsyncIterator
    private var pending = ""

    init(port: Int, path: String, headers: [String: String]) async throws {
        client = HTTPClient(eventLoopGroupProvider: .singleton)
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await client.execute(request, timeout: .seconds(60))
        status = Int(response.status.code)
        var collected: [String: String] = [:]
        for header in response.headers { collected[header.name.lowercased()] = header.value }
        self.headers = collected
        iterator = response.body.makeAsyncIterator()
    }

    /// The next message, or nil when the server ended the stream.
    func next() async throws -> SSEMessage? {
        while true {
            if let range = pending.range(of: "\n\n") {
                let block = String(pending[..<range.lowerBound])
                pending = String(pending[range.upperBound...])
                return Self.parse(block)
            }
            guard let chunk = try await iterator.next() else { return nil }
            pending += String(buffer: chunk)
        }
    }

    /// The next message that is an event (skipping retry and comment blocks).
    func nextEvent() async throws -> SSEMessage? {
        while let message = try await next() {
            if message.event != nil { return message }
        }
        return nil
    }

    func close() async {
        try? await client.shutdown()
    }

    private static func parse(_ block: String) -> SSEMessage {
        var message = SSEMessage()
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(":") {
                message.comment = String(line.dropFirst()).trimmingCharacters(in: .whitespaces)
                continue
            }
            let parts = line.split(separator: ":", maxSplits: 1)
            guard let field = parts.first else { continue }
            let value = parts.count > 1 ? String(parts[1].drop(while: { $0 == " " })) : ""
            switch field {
            case "id": message.id = value
            case "event": message.event = value
            case "data": message.data = value
            case "retry": message.retry = value
            default: break
            }
        }
        return message
    }
}
