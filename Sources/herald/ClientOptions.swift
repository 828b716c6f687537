import ArgumentParser
import Foundation
import HeraldClient

/// Where the server is and how to authenticate, shared by `send`, `counts`, `tail` and `revoke`.
struct ClientOptions: ParsableArguments {
    @Option(help: "The server's base URL. Env: HERALD_URL. Default http://127.0.0.1:8080.")
    var url: String?

    @Option(
        name: .customLong("api-key"),
        help:
            "An API key (or a user token, for that user). Env: HERALD_API_KEY, else the first of HERALD_API_KEYS, else the first key in HERALD_API_KEYS_FILE."
    )
    var apiKey: String?

    @Option(
        name: .customLong("ca-file"),
        help:
            "A PEM file of certificates to trust for https besides the system's (a private CA, or a self-signed certificate). Env: HERALD_CA_FILE."
    )
    var caFile: String?

    @Flag(help: "Print the server's JSON instead of a readable summary.")
    var json = false

    /// Checked before the command runs, so a mistake is reported with the command's own usage.
    func validate() throws {
        _ = try resolved()
    }

    func client() throws -> HeraldAPIClient {
        let (base, key, caFile) = try resolved()
        guard let caFile else { return HeraldAPIClient(baseURL: base, credential: key) }
        return HeraldAPIClient(
            baseURL: base, credential: key, http: HeraldAPIClient.sharedHTTPClient(caFile: caFile))
    }

    /// The base URL, the credential and the CA file (if any) from the flags and the environment.
    private func resolved() throws -> (base: String, key: String, caFile: String?) {
        let base = try Environment.resolve(url, "HERALD_URL", default: "http://127.0.0.1:8080")
        guard base.hasPrefix("http://") || base.hasPrefix("https://") else {
            throw ValidationError("--url must start with http:// or https://")
        }
        guard let key = try credential(), !key.isEmpty else {
            throw ValidationError(
                "no credentials: pass --api-key or set HERALD_API_KEY (herald serve --dev prints its development key)")
        }
        guard let caFile = caFile ?? Environment.value("HERALD_CA_FILE") else { return (base, key, nil) }
        guard FileManager.default.isReadableFile(atPath: caFile) else {
            throw ValidationError("--ca-file: cannot read \(caFile)")
        }
        return (base, key, caFile)
    }

    /// Makes one call to the server and prints its answer: the JSON with `--json`, else the line
    /// `summary` makes of it. A failed call is reported on standard error and exits 1.
    func printAnswer(
        of call: (HeraldAPIClient) async throws(HeraldClientError) -> [String: Any],
        summary: ([String: Any]) -> String
    ) async throws {
        let client = try client()
        let answer: [String: Any]
        do {
            answer = try await call(client)
        } catch {
            throw Terminal.failure(error)
        }
        Terminal.out(json ? JSONText.line(answer) : summary(answer))
    }

    /// The flag's key, else `HERALD_API_KEY`, else the first of `HERALD_API_KEYS` (trimmed, as
    /// `serve` reads them), else the first in `HERALD_API_KEYS_FILE`: on the server's machine the
    /// commands find the key the server was started with.
    func credential() throws -> String? {
        if let key = apiKey ?? Environment.value("HERALD_API_KEY") { return key }
        if let keys = Environment.value("HERALD_API_KEYS") { return SecretOptions.apiKeys(inList: keys).first }
        return try Environment.value("HERALD_API_KEYS_FILE").map { try CredentialFiles.apiKeys(in: $0)[0] }
    }
}
