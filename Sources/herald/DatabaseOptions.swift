import ArgumentParser

/// The database file, as `serve`, `backup` and `restore` take it.
struct DatabaseOptions: ParsableArguments {
    @Option(help: "SQLite database file. Env: HERALD_DATABASE. Default ./herald.sqlite.")
    var database: String?

    /// The flag's path, else `HERALD_DATABASE`, else `./herald.sqlite`.
    func path() throws -> String {
        try Environment.resolve(database, "HERALD_DATABASE", default: "./herald.sqlite")
    }
}
