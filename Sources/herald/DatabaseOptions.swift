import ArgumentParser
import HeraldSQLite

/// The database file, as `serve`, `backup` and `restore` take it.
struct DatabaseOptions: ParsableArguments {
    @Option(help: "SQLite database file. Env: HERALD_DATABASE. Default ./herald.sqlite.")
    var database: String?

    /// The flag's path, else `HERALD_DATABASE`, else `./herald.sqlite`.
    func path() throws -> String {
        try Environment.resolve(database, "HERALD_DATABASE", default: "./herald.sqlite")
    }

    /// Runs `tool` (`backup`, `restore`) on the database's path; its failure is reported on
    /// standard error as `herald TOOL: …` and exits 1.
    func run<Result>(
        _ tool: String, _ body: (String) throws(DatabaseOpenError) -> Result
    ) throws -> Result {
        let path = try path()
        do {
            return try body(path)
        } catch {
            Terminal.err("herald \(tool): \(error.message)")
            throw ExitCode(1)
        }
    }
}
