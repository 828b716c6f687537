import ArgumentParser
import HeraldClient

/// `herald revoke --user U`: revokes every token of a user issued until now on a running server
/// (a stolen token, a lost device), which ends the streams they opened.
struct Revoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Revoke every token of a user issued until now, ending the streams they opened.")

    @Option(help: "The user.")
    var user: String

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await options.printAnswer(of: { client throws(HeraldClientError) in
            try await client.revokeTokens(user: user)
        }) {
            answer in
            let ended = answer["streams_ended"] as? Int ?? 0
            return
                "\(user): tokens issued before \(answer["revoked_before"] ?? "now") revoked, \(Counted.phrase(ended, "stream")) ended"
        }
    }
}
