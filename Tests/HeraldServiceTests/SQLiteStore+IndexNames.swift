import GRDB
import HeraldSQLite

extension SQLiteStore {
    /// The names of `table`'s indexes (those SQLite makes for constraints too).
    func indexNames(on table: String) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name",
                arguments: [table])
        }
    }
}
