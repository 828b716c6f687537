import Foundation
import Logging
import NIOCore
import Testing

@testable import herald

/// Pieces of the `herald` executable: log handlers and option checks.
struct CommandTests {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var data: [Data] = []
        func append(_ line: Data) { lock.withLock { data.append(line) } }
        var objects: [[String: Any]] {
            lock.withLock { data }.compactMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        }
        var raw: [Data] { lock.withLock { data } }
    }

    /// A logger at `info` writing `format` lines into `lines`, with a request id in its metadata.
    func capturingLogger(_ format: LineLogHandler.Format, into lines: Lines) -> Logger {
        var handler = LineLogHandler(label: "herald.test", format: format, logLevel: .info)
        handler.write = { lines.append($0) }
        var logger = Logger(label: "herald.test") { _ in handler }
        logger[metadataKey: "hb.request.id"] = "abc123"
        return logger
    }

    @Test func jsonLogsAreOneObjectPerLineWithMetadata() throws {
        let lines = Lines()
        let logger = capturingLogger(.json, into: lines)
        logger.info("request", metadata: ["status": "200", "nested": ["k": "v"], "list": ["a", "b"]])
        logger.debug("below the level")
        logger.warning("quote \" and\nnewline")

        #expect(lines.raw.count == 2)
        #expect(lines.raw.allSatisfy { $0.last == 0x0A && $0.dropLast().firstIndex(of: 0x0A) == nil })
        let first = try #require(lines.objects.first)
        #expect(first["message"] as? String == "request")
        #expect(first["level"] as? String == "info")
        #expect(first["label"] as? String == "herald.test")
        #expect(first["hb.request.id"] as? String == "abc123")
        #expect(first["status"] as? String == "200")
        #expect((first["nested"] as? [String: Any])?["k"] as? String == "v")
        #expect(first["list"] as? [String] == ["a", "b"])
        let timestamp = try #require(first["ts"] as? String)
        #expect(timestamp.hasSuffix("Z") && timestamp.count == 24)
        #expect(lines.objects.last?["message"] as? String == "quote \" and\nnewline")
    }

    @Test func textLogsRenderMetadataSortedAfterTheLabel() throws {
        let lines = Lines()
        let logger = capturingLogger(.text, into: lines)
        logger.info("request", metadata: ["status": "200"])
        logger.debug("below the level")
        let text = lines.raw.map { String(decoding: $0, as: UTF8.self) }
        #expect(text.count == 1)
        let line = try #require(text.first)
        #expect(line.hasSuffix(" info herald.test: hb.request.id=abc123 status=200 request\n"))
        #expect(line.prefix(24).hasSuffix("Z"))
    }

    @Test func eventLoopsDefaultToOneLessThanTheCores() throws {
        #expect(try Serve.eventLoopCount(1) == 1)
        #expect(try Serve.eventLoopCount(6) == 6)
        for bad in [0, -1, Serve.maximumEventLoops + 1] {
            #expect(throws: ConfigurationError.self) { try Serve.eventLoopCount(bad) }
        }
        #expect(Serve.defaultEventLoops == max(1, System.coreCount - 1))
        if Environment.value("HERALD_EVENT_LOOPS") == nil {
            #expect(try Serve.eventLoopCount(nil) == Serve.defaultEventLoops)
        }
    }

    @Test func onOffVariablesRefuseWhatTheyDoNotKnow() throws {
        for on in ["1", "true", "TRUE", "Yes", "on"] { #expect(try Environment.onOff(on, variable: "HERALD_DEV")) }
        for off in ["0", "false", "No", "OFF"] { #expect(try !Environment.onOff(off, variable: "HERALD_DEV")) }
        for bad in ["banana", "2", "enabled", " 1"] {
            let error = #expect(throws: ConfigurationError.self) { try Environment.onOff(bad, variable: "HERALD_DEV") }
            #expect(error?.message.hasPrefix("HERALD_DEV=\(bad) is not a valid value") == true)
        }
        #expect(try !Environment.flag("HERALD_UNSET_FOR_TEST"))
    }

    @Test func backlogsAreBounded() throws {
        #expect(try Serve.backlogLength(1) == 1)
        #expect(try Serve.backlogLength(Serve.maximumBacklog) == Serve.maximumBacklog)
        for bad in [0, -1, Serve.maximumBacklog + 1] {
            #expect(throws: ConfigurationError.self) { try Serve.backlogLength(bad) }
        }
        if Environment.value("HERALD_BACKLOG") == nil {
            #expect(try Serve.backlogLength(nil) == 4096)
        }
    }

    @Test func streamLimitsAreBoundedAndZeroIsNone() throws {
        #expect(try Serve.streamLimit(1) == 1)
        #expect(try Serve.streamLimit(0) == nil)
        #expect(try Serve.streamLimit(Serve.maximumStreamLimit) == Serve.maximumStreamLimit)
        for bad in [-1, Serve.maximumStreamLimit + 1] {
            #expect(throws: ConfigurationError.self) { try Serve.streamLimit(bad) }
        }
        if Environment.value("HERALD_MAX_STREAMS_PER_USER") == nil {
            #expect(try Serve.streamLimit(nil) == 64)
        }
    }

    /// Every seconds flag takes whole seconds up to ten years. Past that, a heartbeat's
    /// milliseconds and an expired row's purge time overflowed and stopped the server, an event
    /// retention wrapped round to a cutoff after now (pruning every event), and a cache TTL added to
    /// the time overflowed at the first cached count.
    @Test func secondsFlagsAreBoundedToTenYears() throws {
        #expect(Serve.maximumSeconds == 315_360_000)
        for least in [0, 1] {
            #expect(try Serve.seconds(least, "HERALD_UNSET_FOR_TEST", default: 9, flagName: "f", least: least) == least)
            #expect(try Serve.seconds(nil, "HERALD_UNSET_FOR_TEST", default: 9, flagName: "f", least: least) == 9)
            let maximum = try Serve.seconds(
                Serve.maximumSeconds, "HERALD_UNSET_FOR_TEST", default: 9, flagName: "f", least: least)
            #expect(maximum == Serve.maximumSeconds)
            for bad in [least - 1, Serve.maximumSeconds + 1, Int.max, Int.min] {
                #expect {
                    try Serve.seconds(bad, "HERALD_UNSET_FOR_TEST", default: 9, flagName: "heartbeat", least: least)
                } throws: { error in
                    (error as? ConfigurationError)?.message
                        == "heartbeat must be between \(least) and 315360000 seconds"
                }
            }
        }
    }

    @Test func logLevelsAreNamedInAnyCaseOrRefused() throws {
        #expect(try Serve.logLevel("debug") == .debug)
        #expect(try Serve.logLevel("WARNING") == .warning)
        for bad in ["verbose", "", "info "] {
            #expect(throws: (any Error).self) { try Serve.logLevel(bad) }
        }
        if Environment.value("HERALD_LOG_LEVEL") == nil {
            #expect(try Serve.logLevel(nil) == .info)
        }
    }

    /// A socket error before the server listens is a start-up error in the operator's words; one
    /// after it, and any other error, is thrown as it is.
    @Test func failuresToListenAreStartupErrors() {
        let listen = ListenFailure()
        let inUse = IOError(errnoCode: EADDRINUSE, reason: "bind(descriptor:ptr:bytes:)")
        #expect(
            listen.startupError(inUse, host: "127.0.0.1", port: 8080)?.message
                == "cannot listen on 127.0.0.1:8080: address already in use")
        #expect(ListenFailure.reason(IOError(errnoCode: EACCES, reason: "bind")) == "permission denied")
        #expect(listen.startupError(ConfigurationError(message: "other"), host: "127.0.0.1", port: 8080) == nil)
        listen.markListening()
        #expect(listen.startupError(inUse, host: "127.0.0.1", port: 8080) == nil)
    }

    @Test func cacheKeyPrefixesKeepEveryKeyValid() throws {
        #expect(try Serve.cacheKeyPrefix("herald") == "herald")
        #expect(try Serve.cacheKeyPrefix("app.prod:herald_2-a") == "app.prod:herald_2-a")
        #expect(try Serve.cacheKeyPrefix(String(repeating: "p", count: 32)).count == 32)
        for bad in ["", String(repeating: "p", count: 33), "has space", "tab\t", "ünicode", "new\nline", "a@b"] {
            #expect(throws: ConfigurationError.self) { try Serve.cacheKeyPrefix(bad) }
        }
        if Environment.value("HERALD_CACHE_PREFIX") == nil {
            #expect(try Serve.cacheKeyPrefix(nil) == "herald")
        }
    }

    @Test func addressesAreWrittenAsURLsWriteThem() {
        #expect(Serve.hostAndPort("127.0.0.1", 8080) == "127.0.0.1:8080")
        #expect(Serve.hostAndPort("localhost", 80) == "localhost:80")
        #expect(Serve.hostAndPort("::1", 8080) == "[::1]:8080")
        #expect(Serve.hostAndPort("::", 9) == "[::]:9")
    }

    @Test func commitSyncIsNormalOrFull() throws {
        #expect(try Serve.commitSync("normal") == .normal)
        #expect(try Serve.commitSync("FULL") == .full)
        for bad in ["", "off", "extra", "fsync", "1"] {
            #expect(throws: ConfigurationError.self) { try Serve.commitSync(bad) }
        }
        if Environment.value("HERALD_SYNC") == nil {
            #expect(try Serve.commitSync(nil) == .normal)
        }
    }

    @Test func previousTokenSecretsAreAsLongAsSecrets() throws {
        let secret = String(repeating: "s", count: 32)
        #expect(try Serve.previousTokenSecrets([secret, secret + "2"]) == [secret, secret + "2"])
        #expect(throws: ConfigurationError.self) { try Serve.previousTokenSecrets([secret, "short"]) }
        if Environment.value("HERALD_PREVIOUS_TOKEN_SECRET") == nil {
            #expect(try Serve.previousTokenSecrets([]) == [])
        }
    }

    @Test func corsOriginsMustBeOriginsOrAStar() throws {
        #expect(try Serve.corsOrigins(["https://app.example.com", "http://localhost:3000", "*"]).count == 3)
        for bad in ["app.example.com", "https://app.example.com/", "https://app.example.com/path", "ftp://x"] {
            #expect(throws: ConfigurationError.self) { try Serve.corsOrigins([bad]) }
        }
    }

    /// The summaries say `1 user`, not `1 users`.
    @Test func countsTakeTheSingularForOne() {
        #expect(Counted.phrase(1, "user") == "1 user")
        #expect(Counted.phrase(0, "user") == "0 users")
        #expect(Counted.phrase(Int64(2), "notification row") == "2 notification rows")
        #expect(Counted.phrase(1, "user's seq", plural: "users' seqs") == "1 user's seq")
        #expect(Counted.phrase(3, "user's seq", plural: "users' seqs") == "3 users' seqs")
    }

    /// `herald tail` colors its text lines on a terminal only, and never with `--no-color` or
    /// `NO_COLOR` (set and not empty, as `Environment.value` reads it).
    @Test func tailColorsTextOnATerminalUnlessToldNot() {
        #expect(Tail.colorsLines(noColorFlag: false, json: false, toTerminal: true, noColorVariable: nil))
        #expect(!Tail.colorsLines(noColorFlag: true, json: false, toTerminal: true, noColorVariable: nil))
        #expect(!Tail.colorsLines(noColorFlag: false, json: true, toTerminal: true, noColorVariable: nil))
        #expect(!Tail.colorsLines(noColorFlag: false, json: false, toTerminal: false, noColorVariable: nil))
        #expect(!Tail.colorsLines(noColorFlag: false, json: false, toTerminal: true, noColorVariable: "1"))
    }

    /// `herald send` sends the members of the flags given, each as the API names it, and no
    /// others.
    @Test func sendSendsTheMembersOfItsFlags() throws {
        let every = try Send.parse([
            "--user", "u", "--type", "t", "--title", "T", "--body", "B", "--id", "i", "--tag", "a", "--tag", "b",
            "--ttl", "60", "--expires-at", "2026-12-24T18:00:00Z", "--data", #"{"n":1}"#, "--api-key", "k",
        ]).notification()
        #expect(every["user"] as? String == "u" && every["type"] as? String == "t")
        #expect(every["title"] as? String == "T" && every["body"] as? String == "B" && every["id"] as? String == "i")
        #expect(every["tags"] as? [String] == ["a", "b"])
        #expect(every["ttl_seconds"] as? Int == 60 && every["expires_at"] as? String == "2026-12-24T18:00:00Z")
        #expect((every["data"] as? [String: Any])?["n"] as? Int == 1)
        #expect(every.count == 9)
        let least = try Send.parse(["--user", "u", "--type", "t", "--api-key", "k"]).notification()
        #expect(Set(least.keys) == ["user", "type"])
    }

    /// A mistake in a command's flags is reported with that command's usage (it was the root's,
    /// `herald <subcommand>`, when the checks ran inside `run`).
    @Test func flagMistakesAreReportedWithTheCommandsOwnUsage() {
        let mistakes: [([String], String)] = [
            (
                ["send", "--user", "u", "--type", "t", "--data", "[1]", "--api-key", "k"],
                "--data must be a JSON object"
            ),
            (
                ["send", "--user", "u", "--type", "t", "--data", #"{"a":"#, "--api-key", "k"],
                "--data is not valid JSON: write a JSON object"
            ),
            (["send", "--user", "u", "--type", "t", "--url", "localhost:8080", "--api-key", "k"], "--url must start"),
            (["token", "--user", "u", "--ttl", "0"], "--ttl must be between"),
            (["token", "--user", "a b"], "--user must be"),
            (
                ["counts", "--user", "u", "--api-key", "k", "--ca-file", "/nonexistent/ca.pem"],
                "--ca-file: cannot read"
            ),
            (["serve", "--log-format", "xml"], "--log-format must be text or json"),
            (["serve", "--log-level", "loud"], "--log-level must be one of"),
        ]
        for (arguments, message) in mistakes {
            do {
                _ = try Herald.parseAsRoot(arguments)
                Issue.record("\(arguments) was accepted")
            } catch {
                let text = Herald.fullMessage(for: error)
                #expect(text.contains(message) && text.contains("Usage: herald \(arguments[0])"), "\(text)")
            }
        }
    }
}
