import ArgumentParser
import Foundation

/// Credentials options shared by `serve` and `token`.
struct SecretOptions: ParsableArguments {
    @Option(
        name: .customLong("api-key"),
        help: "An API key for backends (repeatable). Env: HERALD_API_KEYS (comma-separated).")
    var apiKeys: [String] = []

    @Option(name: .customLong("token-secret"), help: "HS256 secret for user tokens. Env: HERALD_TOKEN_SECRET.")
    var tokenSecret: String?

    @Flag(
        name: .customLong("dev"),
        help: "Development mode: missing key/secret get printed development values. Env: HERALD_DEV=1.")
    var dev = false

    static let developmentAPIKey = "herald-dev-api-key"
    static let developmentTokenSecret = "herald-dev-token-secret-not-for-production"

    /// Whether development values may stand in for missing credentials (`--dev`, else `HERALD_DEV`).
    func isDev() throws -> Bool { try dev || Environment.flag("HERALD_DEV") }

    /// The API keys from flags, else the environment, else (dev only) the development key.
    func resolvedAPIKeys(printingTo log: (String) -> Void) throws -> [String] {
        let isDev = try isDev()
        var keys = apiKeys
        if keys.isEmpty, let variable = Environment.value("HERALD_API_KEYS") {
            keys = variable.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
        }
        if keys.isEmpty {
            guard isDev else {
                throw ConfigurationError(message: "no API key: set HERALD_API_KEYS or pass --api-key (or use --dev)")
            }
            log("development API key: \(Self.developmentAPIKey)")
            keys = [Self.developmentAPIKey]
        }
        return keys
    }

    /// The token secret from the flag, else the environment, else (dev only) the development secret.
    func resolvedTokenSecret(printingTo log: (String) -> Void) throws -> String {
        let isDev = try isDev()
        if let secret = tokenSecret ?? Environment.value("HERALD_TOKEN_SECRET"), !secret.isEmpty { return secret }
        guard isDev else {
            throw ConfigurationError(
                message: "no token secret: set HERALD_TOKEN_SECRET or pass --token-secret (or use --dev)")
        }
        log("development token secret: \(Self.developmentTokenSecret)")
        return Self.developmentTokenSecret
    }
}
