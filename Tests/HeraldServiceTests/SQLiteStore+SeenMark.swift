import GRDB
import HeraldSQLite

extension SQLiteStore {
    /// `user`'s seen mark (`user_counter.seen_through`); nil without a counters row.
    func seenMark(user: String) async throws -> Int64? {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT seen_through FROM user_counter WHERE user = ?", arguments: [user])
        }
    }
}
