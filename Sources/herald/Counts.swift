import ArgumentParser
import HeraldClient

/// `herald counts --user U`: a user's counts from a running server.
struct Counts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a user's unread and unseen counts.")

    @Option(help: "The user.")
    var user: String

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await options.printAnswer(of: { client throws(HeraldClientError) in try await client.counts(user: user) }) {
            "\(user): \(Terminal.counts($0))"
        }
    }
}
