import HeraldCore
import HeraldHTTP
import Logging
import UnixSignals

/// Reads the credential files again on every `SIGHUP` and puts what they hold in force, so API
/// keys and token secrets change without a restart (and without ending every open stream). The
/// credentials that came from flags or variables stay as they were; files that cannot be read,
/// or hold no key or a short secret, change nothing and are logged.
struct CredentialReloader: Sendable {
    let files: CredentialFiles
    /// The API keys at start-up, kept when they did not come from a file.
    let apiKeys: [String]
    /// The token secret and former ones at start-up, kept when they did not come from a file.
    let tokenSecrets: (current: String, previous: [String])
    /// Former secrets from `--previous-token-secret` or its variable, kept in every reload.
    let previousFromOptions: [String]
    let auth: Authenticator
    let logger: Logger

    /// Reads the files again each time a signal of `signals` arrives, until the task is cancelled.
    func run(on signals: UnixSignalsSequence) async {
        for await _ in signals { await reload() }
    }

    /// Reads the files again and puts their credentials in force; logs what happened.
    func reload() async {
        guard !files.isEmpty else {
            logger.notice(
                "SIGHUP: nothing to read again (credentials come from flags or variables; --api-keys-file and --token-secret-file are read again)"
            )
            return
        }
        do {
            let keys = try files.apiKeys.map(CredentialFiles.apiKeys(in:)) ?? apiKeys
            let secrets = try files.tokenSecret.map(CredentialFiles.tokenSecrets(in:)) ?? tokenSecrets
            try await auth.replaceCredentials(
                apiKeys: keys, tokenSecret: secrets.current,
                previousTokenSecrets: previousFromOptions + secrets.previous)
            logger.notice(
                "SIGHUP: credentials read again",
                metadata: [
                    "api_keys": "\(keys.count)",
                    "previous_token_secrets": "\(previousFromOptions.count + secrets.previous.count)",
                ])
        } catch let error as ConfigurationError {
            logger.error("SIGHUP: credentials unchanged: \(error.message)")
        } catch let error as HeraldError {
            logger.error("SIGHUP: credentials unchanged: \(error.message)")
        } catch {
            logger.error("SIGHUP: credentials unchanged: \(error)")
        }
    }
}
