import Foundation
import Testing

@testable import herald

/// `--api-keys-file` and `--token-secret-file`: what the files may hold, and which source wins.
struct CredentialFilesTests {
    /// A scratch file holding `text`, removed after `body`.
    func withFile<T>(_ text: String, _ body: (String) throws -> T) throws -> T {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("herald-\(UUID().uuidString)").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    static let secret = "a-secret-of-thirty-two-bytes-or-more"
    static let former = "a-former-secret-of-thirty-two-bytes-"

    @Test func keysAreTheLinesThatAreNotBlank() throws {
        #expect(try withFile("one\r\n\n  two \n\tthree\n", CredentialFiles.apiKeys(in:)) == ["one", "two", "three"])
        #expect(throws: ConfigurationError.self) { try withFile("\n \n", CredentialFiles.apiKeys(in:)) }
        #expect(throws: ConfigurationError.self) { try CredentialFiles.apiKeys(in: "/nonexistent/herald-keys") }
    }

    /// The message of the `ConfigurationError` `body` throws; "" when it throws none.
    func configurationError(_ body: () throws -> Void) -> String {
        do {
            try body()
            return ""
        } catch let error as ConfigurationError {
            return error.message
        } catch {
            return "not a ConfigurationError: \(error)"
        }
    }

    /// A key no request could present (empty, a space at an end, a control character) is a
    /// start-up error, from the options, the variable or the file, rather than a key that never
    /// matches; the message says which key, not the key.
    @Test func keysARequestCouldNotPresentAreRefused() throws {
        for (arguments, message) in [
            (["--api-key", ""], "the API key of --api-key is empty"),
            (
                ["--api-key", "ok-key", "--api-key", " spaced"],
                "API key number 2 of --api-key begins or ends with a space"
            ),
            (["--api-key", "tab-at-end\t"], "the API key of --api-key begins or ends with a space"),
            (["--api-key", "bell\u{7}key"], "the API key of --api-key holds a control character"),
        ] {
            let options = try SecretOptions.parse(arguments)
            let said = configurationError { _ = try options.resolvedAPIKeys(printingTo: { _ in }) }
            #expect(said.hasPrefix(message), "\(arguments): \(said)")
        }
        // Unusual but presentable: taken (with a warning, below).
        for key in ["has space", "a,b", "ünïcode-key", "tab\tinside", "k!#$%&'*+-.^_`|~"] {
            #expect(try SecretOptions.parse(["--api-key", key]).resolvedAPIKeys(printingTo: { _ in }) == [key])
        }
        let said = try withFile("good-key\nbad\u{1}key\n") { path in
            (path, configurationError { _ = try CredentialFiles.apiKeys(in: path) })
        }
        #expect(
            said.1
                == "API key number 2 of --api-keys-file \(said.0) holds a control character, which no request can send")
        #expect(!said.1.contains("bad"))
    }

    @Test func shortAndUnusualKeysAreWarnedOfWithoutSayingThem() {
        #expect(SecretOptions.keyWarnings(["0123456789abcdef", "k!#$%&'*+-.^_`|~0123"]).isEmpty)
        #expect(
            SecretOptions.keyWarnings(["short"]) == [
                "the API key has only 5 characters and can be guessed: use 32 random characters or more (openssl rand -hex 32)"
            ])
        let warnings = SecretOptions.keyWarnings(["0123456789abcdef", "tiny", "x", "a long key with spaces"])
        #expect(warnings.count == 3 && warnings[0].hasPrefix("API key number 2 has only 4 characters"))
        #expect(warnings[1].hasPrefix("API key number 3 has only 1 character and"))
        #expect(warnings[2].hasPrefix("API key number 4 has a space, a comma or a character beyond ASCII"))
        #expect(SecretOptions.keyWarnings(["ünïcode-key-0123456789"]).count == 1)
        #expect(SecretOptions.keyWarnings(["comma,key-0123456789"]).count == 1)
    }

    @Test func theFirstSecretSignsAndLaterOnesAreFormer() throws {
        let secrets = try withFile("\(Self.secret)\n\n\(Self.former)\n", CredentialFiles.tokenSecrets(in:))
        #expect(secrets.current == Self.secret && secrets.previous == [Self.former])
        #expect(try withFile(Self.secret, CredentialFiles.tokenSecrets(in:)).previous.isEmpty)
        for bad in ["", "\(Self.secret)\nshort\n", "short"] {
            #expect(throws: ConfigurationError.self) { try withFile(bad, CredentialFiles.tokenSecrets(in:)) }
        }
        let message = try withFile("\(Self.secret)\nshort\n") { path in
            configurationError { _ = try CredentialFiles.tokenSecrets(in: path) }
        }
        #expect(message.hasSuffix("secret number 2 in it is shorter than 32 bytes"))
    }

    @Test func aValueAndAFileForOneCredentialAreRefused() throws {
        let both = try SecretOptions.parse(["--api-key", "k", "--api-keys-file", "/tmp/keys"])
        #expect(throws: ConfigurationError.self) { try both.credentialFiles() }
        let secretBoth = try SecretOptions.parse(["--token-secret", Self.secret, "--token-secret-file", "/tmp/s"])
        #expect(throws: ConfigurationError.self) { try secretBoth.credentialFiles() }
        let files = try SecretOptions.parse(["--api-keys-file", "/tmp/keys", "--token-secret-file", "/tmp/s"])
        #expect(try files.credentialFiles() == CredentialFiles(apiKeys: "/tmp/keys", tokenSecret: "/tmp/s"))
        if Environment.value("HERALD_API_KEYS_FILE") == nil, Environment.value("HERALD_TOKEN_SECRET_FILE") == nil {
            #expect(try SecretOptions.parse(["--api-key", "k"]).credentialFiles().isEmpty)
        }
    }

    @Test func keysComeFromTheFileTheOptionsName() throws {
        try withFile("file-key\n") { path in
            let options = try SecretOptions.parse(["--api-keys-file", path])
            #expect(try options.resolvedAPIKeys(printingTo: { _ in }) == ["file-key"])
        }
        try withFile("\(Self.secret)\n\(Self.former)\n") { path in
            let options = try SecretOptions.parse(["--token-secret-file", path])
            let secrets = try options.resolvedTokenSecrets(printingTo: { _ in })
            #expect(secrets.current == Self.secret && secrets.previous == [Self.former])
        }
    }
}
