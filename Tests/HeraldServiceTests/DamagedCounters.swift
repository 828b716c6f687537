import Foundation
import GRDB
import Testing

/// A Herald database whose counters table is damaged partway, for tests of what reads it.
enum DamagedCounters {
    /// Adds 3,000 users (`u00001` to `u03000`, seq 5, nothing unread) to the Herald database at
    /// `path`, over some 16 leaves of the counters' B-tree, then zeroes the middle leaf in the
    /// file. Use a file no store has open: one damaged under an open connection could take that
    /// connection down with it. No connection is left open on it.
    static func write(at path: String) async throws {
        let queue = try DatabaseQueue(path: path)
        let (page, pageSize) = try await queue.write { db in
            try db.execute(
                sql: """
                    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
                    INSERT INTO user_counter (user, unread, unseen, seq) SELECT printf('u%05d', i), 0, 0, 5 FROM n
                    """)
            let leaves = try Int64.fetchAll(
                db, sql: "SELECT pageno FROM dbstat WHERE name = 'user_counter' AND pagetype = 'leaf' ORDER BY path")
            #expect(leaves.count > 4)
            return (leaves[leaves.count / 2], try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 0)
        }
        // Every page into the file, none left in a WAL to stand in for the damaged one.
        let checkpoint = try queue.writeWithoutTransaction { db in
            try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        #expect(checkpoint?[0] == 0)
        try queue.close()
        let file = try #require(FileHandle(forUpdatingAtPath: path))
        try file.seek(toOffset: UInt64((page - 1) * pageSize))
        try file.write(contentsOf: Data(count: Int(pageSize)))
        try file.close()
    }
}
