import Foundation
import GRDB
import HeraldCore
import HeraldTestSupport
import Testing

@testable import HeraldSQLite

/// `--sync` sets when commits reach the disk: on the connection that commits, whose setting GRDB
/// resets to NORMAL when it opens a pool in WAL mode.
@Suite(.timeLimit(.minutes(1)))
struct CommitSyncTests {
    @Test(arguments: CommitSync.allCases)
    func theWriterSyncsAsAsked(sync: CommitSync) throws {
        let path = try makeTemporaryDirectory("sync").appendingPathComponent("s.sqlite").path
        let store = try SQLiteStore(path: path, sync: sync)
        let expected = sync == .full ? 2 : 1
        #expect(try store.pool.write { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == expected)
    }
}
