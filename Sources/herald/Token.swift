import ArgumentParser
import HeraldCore
import HeraldHTTP

/// `herald token --user U [--ttl SECONDS]`: prints a user token signed with the configured secret.
struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a user token signed with the token secret.")

    @Option(help: "The user id (the token's sub).")
    var user: String

    @Option(help: "Lifetime in seconds (max 30 days).")
    var ttl: Int64 = 3600

    @OptionGroup var secrets: SecretOptions

    func validate() throws {
        guard Identifier.isValid(user) else {
            throw ValidationError("--user must be 1-128 characters from [A-Za-z0-9._:@-]")
        }
        guard (1...Authenticator.maximumTokenTTLSeconds).contains(ttl) else {
            throw ValidationError("--ttl must be between 1 and \(Authenticator.maximumTokenTTLSeconds)")
        }
    }

    func run() async throws {
        let secret = try secrets.resolvedTokenSecrets(printingTo: { _ in }).current
        let auth = try await Serve.authenticator(apiKeys: [], tokenSecret: secret)
        let minted = try await auth.mintToken(user: user, ttlSeconds: ttl)
        print(minted.token)
    }
}
