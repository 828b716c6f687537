import Foundation
import HeraldHTTP

/// The files credentials are read from (`--api-keys-file`, `--token-secret-file` or their
/// variables), which `herald serve` reads again on `SIGHUP`. Secrets in files stay out of the
/// process list and the environment, and change without a restart.
struct CredentialFiles: Sendable, Equatable {
    /// API keys, one a line.
    var apiKeys: String?
    /// The token secret on its first line; former secrets, whose tokens are still accepted, on
    /// the lines after it.
    var tokenSecret: String?

    var isEmpty: Bool { apiKeys == nil && tokenSecret == nil }

    /// The API keys in `path`: every line that is not blank, without the spaces around it; each
    /// one a key a request could present (``SecretOptions/checkAPIKeys(_:from:)``).
    static func apiKeys(in path: String) throws -> [String] {
        let keys = try lines(of: path, "--api-keys-file")
        guard !keys.isEmpty else { throw ConfigurationError(message: "--api-keys-file \(path) holds no API key") }
        try SecretOptions.checkAPIKeys(keys, from: "--api-keys-file \(path)")
        return keys
    }

    /// The token secrets in `path`: the first line that is not blank is the current one, later
    /// ones are former secrets; each at least ``Authenticator/minimumSecretBytes`` long.
    static func tokenSecrets(in path: String) throws -> (current: String, previous: [String]) {
        let secrets = try lines(of: path, "--token-secret-file")
        guard let current = secrets.first else {
            throw ConfigurationError(message: "--token-secret-file \(path) holds no token secret")
        }
        for (line, secret) in secrets.enumerated() {
            guard (try? Authenticator.checkLength(of: secret, "a token secret")) != nil else {
                throw ConfigurationError(
                    message:
                        "--token-secret-file \(path): secret number \(line + 1) in it is shorter than \(Authenticator.minimumSecretBytes) bytes"
                )
            }
        }
        return (current, Array(secrets.dropFirst()))
    }

    /// The lines of `path` that are not blank, without the spaces around them (so a file written
    /// with a final newline, or with CRLF, reads the same).
    private static func lines(of path: String, _ flag: String) throws -> [String] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
            throw ConfigurationError(message: "cannot read \(flag) \(path): \(reason)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(message: "\(flag) \(path) is not UTF-8 text")
        }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }
}
