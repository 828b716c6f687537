import HeraldCore
import HeraldTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import HeraldHTTP

/// Failures of the server are logged, a client's mistakes are not: an operator finds each `5xx`
/// in the log under the request id its answer carried, whichever path answered it.
@Suite(.timeLimit(.minutes(1)))
struct ErrorLoggingTests {
    /// Every error code's answer is logged exactly when its status is a server failure (`500` and
    /// up), at `error`, with the error and the metadata given.
    @Test func onlyServerFailuresAreLogged() {
        let codes: [HeraldError.Code] = [
            .invalidID, .invalidField, .invalidJSON, .invalidQuery, .invalidRequest, .unauthorized, .forbidden,
            .notFound, .idConflict, .tooLarge, .unsupportedMediaType, .methodNotAllowed, .requestTimeout,
            .tooManyStreams, .unavailable, .internalError,
        ]
        for code in codes {
            let recorder = LogRecorder()
            HeraldError(code, "what happened").logIfServerFailure(to: recorder.logger(), metadata: ["k": "v"])
            let status = HeraldError(code, "").status.code
            let logged = recorder.logged
            #expect(logged.count == (status >= 500 ? 1 : 0), "\(code.rawValue): \(status)")
            if let entry = logged.first {
                #expect(entry.level == .error && entry.message == "request failed")
                #expect(entry.metadata["k"] == "v" && entry.metadata["error"]?.contains("what happened") == true)
            }
        }
    }

    /// A create the store fails is answered `503` and logged once, under the answer's request id,
    /// on the fast path and on Hummingbird's; the conflict and the bad body beside it are not
    /// logged as failures.
    @Test(arguments: [true, false])
    func aStoreFailureIsLoggedUnderItsRequestID(fastPath: Bool) async throws {
        let recorder = LogRecorder()
        let harness = try await HTTPHarness(fastPath: fastPath, logger: recorder.logger())
        try await harness.failStore("INSERT")
        let responses = try await harness.app.test(.live) { client in
            let requests = [
                #"{"user":"lia","id":"n1","type":"t"}"#, #"{"user":"lia","id":"n1","type":"other"}"#,
                #"{"user":"lia","type":"boom"}"#, #"{"user":"lia"}"#,
            ].map { RawHTTP.create($0) }
            return try await RawHTTP.exchange(port: try #require(client.port), requests.joined() + RawHTTP.closing)
        }
        await harness.shutdown()
        #expect(responses.map(\.status) == [201, 409, 503, 400, 200])
        let failures = recorder.logged.filter { $0.level >= .error }
        #expect(failures.count == 1, "\(failures.map(\.message))")
        let requestID = responses[2].headers.first { $0.hasPrefix("X-Request-Id: ") }?.dropFirst(14)
        #expect(requestID != nil && failures.first?.metadata["hb.request.id"] == requestID.map(String.init))
        #expect(failures.first?.message == "request failed")
    }
}
