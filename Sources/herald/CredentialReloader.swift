import Foundation
import HeraldCore
import HeraldHTTP
import Logging
import Synchronization
import UnixSignals

/// Reads the credential files again on every `SIGHUP`, and whenever what they hold changes
/// (looked at every ``checkInterval``: Kubernetes updates a mounted secret without a signal), and
/// puts what they hold in force, so API keys and token secrets change without a restart (and
/// without ending every open stream). The open streams a dropped key or secret admitted end. The
/// credentials that came from flags or variables stay as they were; files that cannot be read, or
/// hold no key or a short secret, change nothing and are logged.
final class CredentialReloader: Sendable {
    let files: CredentialFiles
    /// The API keys at start-up, kept when they did not come from a file.
    let apiKeys: [String]
    /// The token secret and former ones at start-up, kept when they did not come from a file.
    let tokenSecrets: (current: String, previous: [String])
    /// Former secrets from `--previous-token-secret` or its variable, kept in every reload.
    let previousFromOptions: [String]
    let auth: Authenticator
    /// Ends the streams of dropped credentials.
    let hub: StreamHub
    let logger: Logger
    /// The files' bytes when last read (nil: not readable), to tell a change.
    private let lastRead: Mutex<[Data?]>

    /// How often the files are looked at for a change.
    static let checkInterval: Duration = .seconds(10)

    init(
        files: CredentialFiles, apiKeys: [String], tokenSecrets: (current: String, previous: [String]),
        previousFromOptions: [String], auth: Authenticator, hub: StreamHub, logger: Logger
    ) {
        self.files = files
        self.apiKeys = apiKeys
        self.tokenSecrets = tokenSecrets
        self.previousFromOptions = previousFromOptions
        self.auth = auth
        self.hub = hub
        self.logger = logger
        lastRead = Mutex(Self.contents(of: files))
    }

    /// What has the files read: a signal, or a look for a change.
    private enum Trigger: Sendable {
        case signal
        case look
    }

    /// Reloads on each signal of `signals`, and on each change the files show, until the task is
    /// cancelled. One reload at a time, in the order asked, so the credentials in force and the
    /// streams they admit are always those of the same reading.
    func run(on signals: UnixSignalsSequence) async {
        let (triggers, asking) = AsyncStream.makeStream(of: Trigger.self)
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await _ in signals { asking.yield(.signal) }
            }
            group.addTask {
                while (try? await Task.sleep(for: Self.checkInterval)) != nil { asking.yield(.look) }
            }
            group.addTask {
                for await trigger in triggers {
                    switch trigger {
                    case .signal: await self.reload(because: "SIGHUP")
                    case .look: await self.reloadIfChanged()
                    }
                }
            }
        }
    }

    /// Reloads when the files hold other bytes than when last read.
    func reloadIfChanged() async {
        let now = Self.contents(of: files)
        if lastRead.withLock({ $0 != now }) { await reload(because: "a credential file changed") }
    }

    /// Reads the files again and puts their credentials in force; logs what happened and why. The
    /// one place that records what the files held.
    func reload(because reason: String) async {
        lastRead.withLock { $0 = Self.contents(of: files) }
        do {
            let keys = try files.apiKeys.map(CredentialFiles.apiKeys(in:)) ?? apiKeys
            let secrets = try files.tokenSecret.map(CredentialFiles.tokenSecrets(in:)) ?? tokenSecrets
            let inForce = try await auth.replaceCredentials(
                apiKeys: keys, tokenSecret: secrets.current,
                previousTokenSecrets: previousFromOptions + secrets.previous)
            let ended = hub.admitOnly(inForce)
            logger.notice(
                "\(reason): credentials read again",
                metadata: [
                    "api_keys": "\(keys.count)",
                    "previous_token_secrets": "\(previousFromOptions.count + secrets.previous.count)",
                    "streams_ended": "\(ended)",
                ])
            for warning in SecretOptions.keyWarnings(keys) { logger.warning("\(reason): \(warning)") }
        } catch let error as ConfigurationError {
            logger.error("\(reason): credentials unchanged: \(error.message)")
        } catch let error as HeraldError {
            logger.error("\(reason): credentials unchanged: \(error.message)")
        } catch {
            logger.error("\(reason): credentials unchanged: \(error)")
        }
    }

    /// The bytes of each file named (nil where there is none, or it cannot be read).
    private static func contents(of files: CredentialFiles) -> [Data?] {
        [files.apiKeys, files.tokenSecret].map { path in
            path.flatMap { try? Data(contentsOf: URL(fileURLWithPath: $0)) }
        }
    }
}
