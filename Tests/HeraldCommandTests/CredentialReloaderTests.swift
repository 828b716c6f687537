import Foundation
import HeraldHTTP
import Logging
import Testing

@testable import herald

/// Credential files read again: when their bytes change (as a Kubernetes secret's do, without a
/// signal), and on `SIGHUP`; a file that breaks changes nothing.
struct CredentialReloaderTests {
    static let secret = "a-secret-of-thirty-two-bytes-or-more"

    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ data: Data) { lock.withLock { lines.append(String(decoding: data, as: UTF8.self)) } }
        var all: [String] { lock.withLock { lines } }
    }

    @Test func aChangedFileIsReadAgainAndABrokenOneChangesNothing() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("herald-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = directory.appendingPathComponent("keys")
        let secret = directory.appendingPathComponent("secret")
        try Data("first-key-0123456789\n".utf8).write(to: keys)
        try Data("\(Self.secret)\n".utf8).write(to: secret)

        let lines = Lines()
        var handler = LineLogHandler(label: "herald.test", format: .text, logLevel: .info)
        handler.write = { lines.append($0) }
        let logger = Logger(label: "herald.test") { _ in handler }
        let files = CredentialFiles(apiKeys: keys.path, tokenSecret: secret.path)
        let auth = try await Authenticator(apiKeys: ["first-key-0123456789"], tokenSecret: Self.secret)
        let reloader = CredentialReloader(
            files: files, apiKeys: ["first-key-0123456789"], tokenSecrets: (Self.secret, []), previousFromOptions: [],
            auth: auth,
            hub: StreamHub(),
            logger: logger)

        await reloader.reloadIfChanged()
        #expect(lines.all.isEmpty)  // nothing changed: nothing read again

        try Data("second-key-0123456789\n".utf8).write(to: keys)
        await reloader.reloadIfChanged()
        #expect(auth.knownPrincipal(for: "second-key-0123456789")?.isBackend == true)
        #expect(auth.knownPrincipal(for: "first-key-0123456789") == nil)
        #expect(lines.all.count == 1 && lines.all[0].contains("a credential file changed: credentials read again"))

        try Data("short\n".utf8).write(to: secret)
        await reloader.reloadIfChanged()
        #expect(auth.knownPrincipal(for: "second-key-0123456789")?.isBackend == true)
        #expect(lines.all.count == 2 && lines.all[1].contains("credentials unchanged"))
        await reloader.reloadIfChanged()
        #expect(lines.all.count == 2)  // the broken file is not read again until it changes

        try Data("\(Self.secret)\n".utf8).write(to: secret)
        try Data("third-key-0123456789\n".utf8).write(to: keys)
        await reloader.reload(because: "SIGHUP")
        #expect(auth.knownPrincipal(for: "third-key-0123456789")?.isBackend == true)
        #expect(lines.all.last?.contains("SIGHUP: credentials read again") == true)
        await reloader.reloadIfChanged()
        #expect(lines.all.count == 3)  // what SIGHUP read is not read again

        // A key short enough to guess is put in force, and warned of.
        try Data("short-key\n".utf8).write(to: keys)
        await reloader.reloadIfChanged()
        #expect(auth.knownPrincipal(for: "short-key")?.isBackend == true)
        #expect(lines.all.count == 5)
        #expect(
            lines.all.last?.contains(
                "a credential file changed: the API key has only 9 characters and can be guessed") == true)
    }
}
