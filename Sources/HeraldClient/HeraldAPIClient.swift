public import AsyncHTTPClient
import Foundation
public import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// A small client of a running Herald server's HTTP API, used by `herald send|counts|tail`.
public struct HeraldAPIClient: Sendable {
    /// The server's base URL, e.g. `http://127.0.0.1:8080` (no trailing slash).
    public let baseURL: String
    /// An API key, or a user token for that user's own endpoints.
    public let credential: String
    private let http: HTTPClient

    /// A process-wide client from ``makeHTTPClient(connectTimeout:caFile:)``.
    public static let defaultHTTPClient = makeHTTPClient()

    /// Process-wide clients that trust a CA file each, kept, as ``defaultHTTPClient`` is, for the
    /// process's life (an `HTTPClient` must be shut down before it is freed).
    private static let clientsByCAFile = Mutex<[String: HTTPClient]>([:])

    /// ``defaultHTTPClient``, or with `caFile` a process-wide client that trusts it too.
    public static func sharedHTTPClient(caFile: String?) -> HTTPClient {
        guard let caFile else { return defaultHTTPClient }
        return clientsByCAFile.withLock { clients in
            if let client = clients[caFile] { return client }
            let client = makeHTTPClient(caFile: caFile)
            clients[caFile] = client
            return client
        }
    }

    /// A client that gives up connecting after `connectTimeout` (instead of retrying until the
    /// request's deadline), and at once when the connection is refused, so a command against a
    /// stopped server fails fast: AsyncHTTPClient would otherwise try again and again until the
    /// connect timeout. `herald tail` reconnects on its own.
    /// - Parameter caFile: a PEM file of certificates to trust for `https` besides the system's (a
    ///   private CA, or a self-signed certificate).
    public static func makeHTTPClient(connectTimeout: TimeAmount = .seconds(3), caFile: String? = nil) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: connectTimeout)
        configuration.connectionPool.retryConnectionEstablishment = false
        if let caFile {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.additionalTrustRoots = [.file(caFile)]
            configuration.tlsConfiguration = tls
        }
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public init(baseURL: String, credential: String, http: HTTPClient = Self.defaultHTTPClient) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.credential = credential
        self.http = http
    }

    /// `GET /v1/users/{user}/counts`: the JSON counts object.
    public func counts(user: String) async throws(HeraldClientError) -> [String: Any] {
        try await call(.GET, "/v1/users/\(Self.escape(user))/counts", body: nil)
    }

    /// `DELETE /v1/users/{user}/tokens`: every token of the user issued until now refused, their
    /// streams ended; the JSON answer (`user`, `revoked_before`, `streams_ended`).
    public func revokeTokens(user: String) async throws(HeraldClientError) -> [String: Any] {
        try await call(.DELETE, "/v1/users/\(Self.escape(user))/tokens", body: nil)
    }

    /// `POST /v1/notifications` with `notification` (fields as in the API): the JSON answer.
    public func send(_ notification: [String: Any]) async throws(HeraldClientError) -> [String: Any] {
        let body: Data
        do {
            body = try JSONSerialization.data(withJSONObject: notification, options: [.sortedKeys])
        } catch {
            throw HeraldClientError(code: "invalid_field", message: "the notification is not valid JSON")
        }
        return try await call(.POST, "/v1/notifications", body: body)
    }

    /// Opens the user's stream (resuming after `lastEventID` when given) and hands each event to
    /// `onEvent` until the server ends the stream (returns) or the connection fails (throws).
    public func stream(
        user: String, lastEventID: String?, onOpen: @Sendable () -> Void = {},
        onEvent: @Sendable (SSEEvent) async -> Void
    ) async throws(HeraldClientError) {
        var request = HTTPClientRequest(url: baseURL + "/v1/users/\(Self.escape(user))/stream")
        request.headers.add(name: "Authorization", value: "Bearer \(credential)")
        request.headers.add(name: "Accept", value: "text/event-stream")
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
        do {
            let response = try await http.execute(request, timeout: .hours(24 * 365))
            guard response.status == .ok else {
                let body = try await response.body.collect(upTo: 1 << 20)
                throw Self.apiError(status: Int(response.status.code), body: Data(body.readableBytesView))
            }
            onOpen()
            var parser = SSEParser()
            for try await chunk in response.body {
                for event in parser.feed(chunk.readableBytesView) { await onEvent(event) }
            }
        } catch let error as HeraldClientError {
            throw error
        } catch {
            throw transportError(error)
        }
    }

    /// Follows the user's stream across disconnects: reconnects with `Last-Event-ID` after the
    /// last event received (backing off from 0.5 s to `maximumBackoff`), so no event is missed or repeated.
    /// Runs until the task is cancelled, or throws the first error that
    /// ``HeraldClientError/endsFollowing`` (a 4xx but 408 and 429: credentials refused, a bad user
    /// id, a URL that names no stream); `onState` reports
    /// `connected` and each failure.
    public func follow(
        user: String, after lastEventID: String? = nil, maximumBackoff: Duration = .seconds(10),
        onState: @Sendable (FollowState) -> Void = { _ in }, onEvent: @escaping @Sendable (SSEEvent) async -> Void
    ) async throws(HeraldClientError) {
        let position = LastEventPosition(lastEventID)
        var backoff = ReconnectBackoff(maximum: maximumBackoff)
        while !Task.isCancelled {
            do {
                try await stream(
                    user: user, lastEventID: position.value,
                    onOpen: {
                        onState(.connected)
                    },
                    onEvent: { event in
                        if let id = event.id { position.value = id }
                        await onEvent(event)
                    })
                backoff.streamEnded()
                onState(.ended)
            } catch {
                onState(.failed(error))
                if error.endsFollowing { throw error }
            }
            try? await Task.sleep(for: backoff.take())
        }
    }

    /// What `follow` is doing.
    public enum FollowState: Sendable {
        case connected
        /// The server ended the stream (restart, shutdown); reconnecting.
        case ended
        /// The connection failed or was refused; reconnecting unless the error
        /// ``HeraldClientError/endsFollowing`` (then `follow` throws it).
        case failed(HeraldClientError)
    }

    // MARK: Plumbing

    private func call(
        _ method: HTTPMethod, _ path: String, body: Data?
    ) async throws(HeraldClientError) -> [String: Any] {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(credential)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let status: Int
        let data: Data
        do {
            let response = try await http.execute(request, timeout: .seconds(30))
            status = Int(response.status.code)
            data = Data(try await response.body.collect(upTo: 8 << 20).readableBytesView)
        } catch {
            throw transportError(error)
        }
        guard (200..<300).contains(status) else { throw Self.apiError(status: status, body: data) }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw HeraldClientError(
                code: "bad_response", message: "the server's answer is not a JSON object", status: status)
        }
        return object
    }

    private static func apiError(status: Int, body: Data) -> HeraldClientError {
        let envelope = (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["error"] as? [String: Any]
        return HeraldClientError(
            code: envelope?["code"] as? String ?? "http_\(status)",
            message: envelope?["message"] as? String ?? "the server answered HTTP \(status)", status: status)
    }

    /// A failure to talk to the server, named plainly: NIO's own descriptions of a refused or
    /// reset connection read `connection reset (error set): Connection refused) (errno: 111)`.
    private func transportError(_ error: any Error) -> HeraldClientError {
        let cause: String
        if let io = error as? IOError {
            cause = String(cString: strerror(io.errnoCode))
        } else if let tls = error as? NIOSSLError, case .handshakeFailed(let failure) = tls {
            cause = Self.handshakeFailure(failure)
        } else if let client = error as? HTTPClientError {
            cause = client.description
        } else {
            cause = "\(error)"
        }
        return HeraldClientError(code: "unreachable", message: "cannot reach the server at \(baseURL): \(cause)")
    }

    /// A failed TLS handshake in words: BoringSSL's reason (`CERTIFICATE_VERIFY_FAILED` becomes
    /// `certificate verify failed`) without its error codes and source paths, and what to do
    /// about a certificate the client does not trust.
    static func handshakeFailure(_ failure: BoringSSLError) -> String {
        // `sslError([Error: 268435581 error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at …])`
        let reasons = "\(failure)".split(separator: ":").compactMap { $0.split(separator: " ").first }.filter { word in
            word.contains("_") && word.allSatisfy { $0.isUppercase || $0 == "_" }
        }
        let reason = reasons.last.map { $0.lowercased().replacingOccurrences(of: "_", with: " ") }
        guard let reason else { return "the TLS handshake failed" }
        guard reason.contains("certificate verify failed") else { return "the TLS handshake failed: \(reason)" }
        return "the TLS handshake failed: \(reason) (for a private CA or a self-signed certificate, pass --ca-file)"
    }

    private static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? segment
    }
}
