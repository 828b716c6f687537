import ArgumentParser
import HeraldClient

/// `herald counts --user U`: a user's counts from a running server.
struct Counts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a user's unread and unseen counts.")

    @Option(help: "The user.")
    var user: String

    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        do {
            let counts = try await client.counts(user: user)
            if options.json {
                Terminal.out(JSONText.line(counts))
            } else {
                Terminal.out("\(user): \(Terminal.counts(counts))")
            }
        } catch {
            throw Terminal.failure(error)
        }
    }
}
