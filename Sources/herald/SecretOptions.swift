import ArgumentParser
import Foundation
import HeraldHTTP

/// Credentials options shared by `serve` and `token`.
struct SecretOptions: ParsableArguments {
    @Option(
        name: .customLong("api-key"),
        help: "An API key for backends (repeatable). Env: HERALD_API_KEYS (comma-separated).")
    var apiKeys: [String] = []

    @Option(
        name: .customLong("api-keys-file"),
        help:
            "A file of API keys, one a line, instead of --api-key; serve reads it again when it changes and on SIGHUP. Env: HERALD_API_KEYS_FILE."
    )
    var apiKeysFile: String?

    @Option(name: .customLong("token-secret"), help: "HS256 secret for user tokens. Env: HERALD_TOKEN_SECRET.")
    var tokenSecret: String?

    @Option(
        name: .customLong("token-secret-file"),
        help:
            "A file whose first line is the token secret, instead of --token-secret; lines after it are former secrets still accepted. serve reads it again when it changes and on SIGHUP. Env: HERALD_TOKEN_SECRET_FILE."
    )
    var tokenSecretFile: String?

    @Flag(
        name: .customLong("dev"),
        help: "Development mode: missing key/secret get printed development values. Env: HERALD_DEV=1.")
    var dev = false

    static let developmentAPIKey = "herald-dev-api-key"
    static let developmentTokenSecret = "herald-dev-token-secret-not-for-production"

    /// Whether development values may stand in for missing credentials (`--dev`, else `HERALD_DEV`).
    func isDev() throws -> Bool { try dev || Environment.flag("HERALD_DEV") }

    /// The files credentials come from: a flag's value or file, else a variable's. A value and a
    /// file for the same credential, both as flags or both as variables, are a start-up error.
    func credentialFiles() throws -> CredentialFiles {
        CredentialFiles(
            apiKeys: try Self.file(
                flagFile: apiKeysFile, flagGiven: !apiKeys.isEmpty, names: ("--api-key", "--api-keys-file"),
                variables: ("HERALD_API_KEYS", "HERALD_API_KEYS_FILE")),
            tokenSecret: try Self.file(
                flagFile: tokenSecretFile, flagGiven: tokenSecret != nil,
                names: ("--token-secret", "--token-secret-file"),
                variables: ("HERALD_TOKEN_SECRET", "HERALD_TOKEN_SECRET_FILE")))
    }

    private static func file(
        flagFile: String?, flagGiven: Bool, names: (value: String, file: String),
        variables: (value: String, file: String)
    ) throws -> String? {
        if flagGiven || flagFile != nil {
            guard !(flagGiven && flagFile != nil) else {
                throw ConfigurationError(message: "pass \(names.value) or \(names.file), not both")
            }
            return flagFile
        }
        let file = Environment.value(variables.file)
        if file != nil, Environment.value(variables.value) != nil {
            throw ConfigurationError(message: "set \(variables.value) or \(variables.file), not both")
        }
        return file
    }

    /// The API keys from the flags or their file, else the environment's value or file, else (dev
    /// only) the development key.
    func resolvedAPIKeys(printingTo log: (String) -> Void) throws -> [String] {
        if let file = try credentialFiles().apiKeys { return try CredentialFiles.apiKeys(in: file) }
        let isDev = try isDev()
        var keys = apiKeys
        try Self.checkAPIKeys(keys, from: "--api-key")
        if keys.isEmpty, let variable = Environment.value("HERALD_API_KEYS") {
            keys = Self.apiKeys(inList: variable)
            try Self.checkAPIKeys(keys, from: "HERALD_API_KEYS")
        }
        if keys.isEmpty {
            guard isDev else {
                throw ConfigurationError(
                    message: "no API key: set HERALD_API_KEYS or HERALD_API_KEYS_FILE, or pass --api-key (or use --dev)"
                )
            }
            log("development API key: \(Self.developmentAPIKey)")
            keys = [Self.developmentAPIKey]
        }
        return keys
    }

    /// Throws unless every one of `keys` passes ``Authenticator/checkAPIKey(_:_:)``: a key no
    /// request could present (empty, a space at an end, a control character) is a start-up error
    /// rather than a key that silently never matches. `source` names where the keys came from.
    static func checkAPIKeys(_ keys: [String], from source: String) throws {
        for (index, key) in keys.enumerated() {
            do {
                try Authenticator.checkAPIKey(key, keyName(index, of: keys.count, from: source))
            } catch {
                throw ConfigurationError(message: error.message)
            }
        }
    }

    /// A warning for each of `keys` shorter than ``Authenticator/shortAPIKeyLength``, which can be
    /// guessed, and each with characters some clients send otherwise
    /// (``Authenticator/isPlainAPIKey(_:)``); the keys themselves are not said.
    static func keyWarnings(_ keys: [String]) -> [String] {
        keys.enumerated().flatMap { index, key in
            let which = keyName(index, of: keys.count)
            var warnings: [String] = []
            if key.count < Authenticator.shortAPIKeyLength {
                warnings.append(
                    "\(which) has only \(Counted.phrase(key.count, "character")) and can be guessed: use 32 random characters or more "
                        + "(openssl rand -hex 32)")
            }
            if !Authenticator.isPlainAPIKey(key) {
                warnings.append(
                    "\(which) has a space, a comma or a character beyond ASCII, which some clients encode, split "
                        + "or refuse: use letters, digits and -._~+/= only")
            }
            return warnings
        }
    }

    /// How a message names key `index` of `count` keys, and where they came from when `source` is
    /// given: "the API key" when there is one, else "API key number N".
    private static func keyName(_ index: Int, of count: Int, from source: String? = nil) -> String {
        let origin = source.map { " of \($0)" } ?? ""
        return count == 1 ? "the API key\(origin)" : "API key number \(index + 1)\(origin)"
    }

    /// The keys of a `HERALD_API_KEYS` list: split at commas, the spaces around each dropped, empty
    /// ones skipped.
    static func apiKeys(inList list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The token secret and former ones from the flag or its file, else the environment's value
    /// or file, else (dev only) the development secret. Only a file holds former secrets.
    func resolvedTokenSecrets(printingTo log: (String) -> Void) throws -> (current: String, previous: [String]) {
        if let file = try credentialFiles().tokenSecret { return try CredentialFiles.tokenSecrets(in: file) }
        return (try resolvedTokenSecret(printingTo: log), [])
    }

    /// The token secret from the flag, else the environment, else (dev only) the development secret.
    private func resolvedTokenSecret(printingTo log: (String) -> Void) throws -> String {
        let isDev = try isDev()
        if let secret = tokenSecret ?? Environment.value("HERALD_TOKEN_SECRET"), !secret.isEmpty { return secret }
        guard isDev else {
            throw ConfigurationError(
                message:
                    "no token secret: set HERALD_TOKEN_SECRET or HERALD_TOKEN_SECRET_FILE, or pass --token-secret (or use --dev)"
            )
        }
        log("development token secret: \(Self.developmentTokenSecret)")
        return Self.developmentTokenSecret
    }
}
