import Foundation
import HeraldCore
import Hummingbird
import NIOCore
import NIOHTTP1

/// Reading JSON request bodies and writing JSON responses with the API's error rules.
enum JSONIO {
    static let singleBodyLimit = 64 * 1024
    static let batchBodyLimit = 4 * 1024 * 1024
    static let smallBodyLimit = 16 * 1024

    /// Collects the body (413 past `limit`, 400 `invalid_request` when it cannot be read), requires a
    /// JSON content type (415) when there is a body.
    static func body(_ request: Request, limit: Int) async throws -> ByteBuffer? {
        // A declared length over the limit is refused before any of the body is read (and, over
        // every route's limit, before the client sends it: ``ExpectContinueHandler``).
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw tooLarge(limit)
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw tooLarge(limit)
        } catch let error as HTTPParserError {
            // NIO's parser rejected the body (a bad chunk).
            throw HeraldError.invalidRequest(error)
        } catch {
            // The connection failed while the body came: whatever is answered, nobody reads it.
            throw HeraldError.invalidRequest(nil)
        }
        guard buffer.readableBytes > 0 else { return nil }
        guard JSONMediaType.matches(request.headers[.contentType]) else {
            throw HeraldError(.unsupportedMediaType, "Content-Type must be application/json")
        }
        if let coding = unsupportedCoding(request.headers[values: .contentEncoding], besides: "identity") {
            throw HeraldError(
                .unsupportedMediaType, "Content-Encoding \(coding) is not supported: send the body uncompressed")
        }
        // NIO's parser takes the chunks off and leaves any coding before them (`gzip, chunked`).
        if let coding = unsupportedCoding(request.headers[values: .transferEncoding], besides: "chunked") {
            throw HeraldError(
                .invalidRequest,
                "Transfer-Encoding \(coding) is not supported: send the body chunked or with a Content-Length")
        }
        return buffer
    }

    /// The `413` of a body over `limit` bytes.
    static func tooLarge(_ limit: Int) -> HeraldError {
        HeraldError(.tooLarge, "request body is larger than \(limit) bytes")
    }

    /// The first coding in `values` (the request's `Content-Encoding` or `Transfer-Encoding`
    /// headers) other than `accepted`, or nil when there is none. Herald decodes none but the
    /// chunks: read as JSON, a gzipped body was `invalid_json`, "unexpected character at byte 0",
    /// and a body labelled with a coding it did not have was taken as it came (RFC 9110 §8.4.1
    /// allows a 415 for a content coding; RFC 9112 §6.1 asks for a 501 for a transfer coding, which
    /// Herald answers 400 as the client's mistake it is, not as a server failure).
    static func unsupportedCoding(_ values: [String], besides accepted: String) -> String? {
        for value in values {
            for coding in value.split(separator: ",") {
                let name = coding.trimmingCharacters(in: .whitespaces)
                if !name.isEmpty && name.lowercased() != accepted { return String(name.prefix(32)) }
            }
        }
        return nil
    }

    /// Reads a required JSON body.
    static func decode<T: JSONBodyReadable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        guard let buffer = try await body(request, limit: limit) else {
            throw HeraldError(.invalidJSON, "a JSON body is required")
        }
        return try decode(type, from: buffer)
    }

    /// Reads an optional JSON body.
    static func decodeIfPresent<T: JSONBodyReadable>(
        _ type: T.Type, from request: Request, limit: Int
    ) async throws -> T? {
        guard let buffer = try await body(request, limit: limit) else { return nil }
        return try decode(type, from: buffer)
    }

    /// For a route that takes no body (`what` names it): none, or an empty JSON object (`{}`, as
    /// clients that always send JSON write one). A member is refused (`invalid_field`) rather than
    /// ignored: one meant to narrow the change, as `{"type": …}` narrows a read-all, would
    /// otherwise have widened it silently (a seen marked every notification).
    /// - Parameter note: said in parentheses after what takes no members.
    static func refuseMembers(of request: Request, in what: String, note: String? = nil) async throws {
        guard let buffer = try await body(request, limit: smallBodyLimit) else { return }
        let json = try read(buffer.readableBytesView) { reader throws(JSONReader.Failure) in try reader.value() }
        let fields = try JSONFields(json, notAnObject: "\(what) takes no body, or an empty JSON object")
        try fields.refuseOthers(than: [], in: what, note: note)
    }

    /// Reads a JSON body already collected.
    static func decode<T: JSONBodyReadable>(_ type: T.Type, from buffer: ByteBuffer) throws(HeraldError) -> T {
        try T(jsonBody: buffer.readableBytesView)
    }

    /// Walks a JSON text with `body` (``JSONReader/read(_:_:)``); `invalid_json` saying where
    /// when it is not one.
    static func read<T>(
        _ bytes: ByteBufferView, _ body: (inout JSONReader) throws(JSONReader.Failure) -> T
    ) throws(HeraldError) -> T {
        do throws(JSONReader.Failure) {
            return try JSONReader.read(bytes, body)
        } catch {
            throw HeraldError(.invalidJSON, "body is not valid JSON: \(error.reason) at byte \(error.offset)")
        }
    }

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data: [UInt8]
        if let writable = value as? any JSONWritable {
            data = writable.jsonBytes  // the hand-written encoder: same bytes, a fraction of the cost
        } else {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            data = Array(try encoder.encode(value))
        }
        return response(bytes: data, status: status)
    }

    /// A response with an encoded JSON body.
    static func response(bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The `Content-Type` of every JSON response.
    static let contentType = "application/json; charset=utf-8"

    /// The `Cache-Control` of every JSON response. Counts, notifications and tokens are one user's
    /// and change at any moment: no cache, the browser's or a proxy's (a cookie-authenticated
    /// request is not kept out of shared caches as one with `Authorization` is), may keep one.
    static let cacheControl = "no-store"

    /// The head fields of every JSON response, in the order ``RawJSONResponse`` writes them.
    static var headers: HTTPFields { [.contentType: contentType, .cacheControl: cacheControl] }
}
