import Foundation
import GRDB
import HeraldSQLite
import HeraldTestSupport
import Testing

/// The VFS layer that joins each WAL append into one write: it must be in use, and a committed
/// transaction must be whole in the WAL file by the time its COMMIT returns — what another
/// connection reads, and what a process that died right then would leave behind.
@Suite(.timeLimit(.minutes(1)))
struct WALWriteBufferTests {
    let directory: URL

    init() throws {
        try WALWriteBuffer.install()
        directory = try makeTemporaryDirectory("walbuffer")
    }

    /// A WAL-mode connection that never checkpoints, so every commit stays in the WAL file; with
    /// the store's `synchronous = NORMAL`, under which a commit does not sync the WAL (a sync
    /// would write out whatever the layer holds anyway).
    func openWAL(_ name: String, cachePages: Int = 2000) throws -> DatabaseQueue {
        try Self.openWAL(path: directory.appendingPathComponent(name).path, cachePages: cachePages)
    }

    /// A connection as ``openWAL(_:cachePages:)`` opens, at `path` (for other suites too).
    static func openWAL(path: String, cachePages: Int = 2000) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            try db.execute(sql: "PRAGMA cache_size = \(cachePages)")
        }
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    /// The rows as a connection sees them, in key order.
    func rows(_ db: Database) throws -> [String] {
        try Row.fetchAll(db, sql: "SELECT k, v FROM t ORDER BY k").map { "\($0["k"] as Int64)=\($0["v"] as String)" }
    }

    /// Copies the database and its WAL (not the shared-memory index) as they are on disk now:
    /// what a process that died at this point would leave.
    func copyAsCrashed(_ name: String, to copy: String) throws -> DatabaseQueue {
        for suffix in ["", "-wal"] {
            try FileManager.default.copyItem(
                at: directory.appendingPathComponent(name + suffix), to: directory.appendingPathComponent(copy + suffix)
            )
        }
        return try DatabaseQueue(path: directory.appendingPathComponent(copy).path)
    }

    @Test func connectionsGoThroughTheLayerAndItJoinsWrites() throws {
        let database = try openWAL("joined.sqlite")
        #expect(try database.read { db in WALWriteBuffer.vfsName(of: db) }?.hasPrefix("herald-wal-buffer/") == true)
        let before = WALWriteBuffer.statistics
        try database.write { db in
            try db.execute(sql: "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)")
            for key in 0..<50 {
                try db.execute(
                    sql: "INSERT INTO t VALUES (?, ?)", arguments: [key, String(repeating: "x", count: 900)])
            }
        }
        let after = WALWriteBuffer.statistics
        // ~12 pages: ~24 pieces held, written out in a joined write or two.
        #expect(after.held - before.held >= 20)
        #expect(after.joined > before.joined)
    }

    @Test func everyCommitIsWholeInTheFileWhenItReturns() throws {
        let database = try openWAL("crash.sqlite", cachePages: 10)
        let reader = try DatabaseQueue(path: directory.appendingPathComponent("crash.sqlite").path)
        try database.write { db in try db.execute(sql: "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)") }
        var expected: [String] = []
        // Single-page commits, each checked by another connection, which reads the WAL file.
        for key in 0..<60 {
            try database.write { db in try db.execute(sql: "INSERT INTO t VALUES (?, ?)", arguments: [key, "v\(key)"]) }
            expected.append("\(key)=v\(key)")
            #expect(try reader.read(rows) == expected)
        }
        // Commits of many pages: more than one joined write (each at most 128 KiB) per commit.
        for round in 0..<3 {
            let base = 1000 + round * 400
            try database.write { db in
                for key in base..<(base + 400) {
                    let value = "\(round):" + String(repeating: "y", count: 700)
                    try db.execute(sql: "INSERT INTO t VALUES (?, ?)", arguments: [key, value])
                }
            }
            expected += (base..<(base + 400)).map { "\($0)=\(round):" + String(repeating: "y", count: 700) }
            #expect(try reader.read(rows).count == expected.count)
        }
        // A transaction larger than the 10-page cache spills frames into the WAL before its
        // commit, then changes the spilled pages again: SQLite overwrites those frames in place
        // and rewrites the checksums of the frames after them at commit.
        try database.write { db in
            for key in 5000..<5300 {
                try db.execute(
                    sql: "INSERT INTO t VALUES (?, ?)", arguments: [key, String(repeating: "z", count: 500)])
            }
            try db.execute(sql: "UPDATE t SET v = 'updated' || k WHERE k BETWEEN 5000 AND 5299")
        }
        expected += (5000..<5300).map { "\($0)=updated\($0)" }
        // Right after that commit, before anything else touches the WAL: the rewritten headers
        // (the commit frame's last) are in the file, or recovery would stop short of them.
        #expect(try copyAsCrashed("crash.sqlite", to: "rewrite-copy.sqlite").read(rows) == expected)
        // A spilling transaction that rolls back leaves nothing.
        try? database.write { db in
            for key in 9000..<9300 {
                try db.execute(
                    sql: "INSERT INTO t VALUES (?, ?)", arguments: [key, String(repeating: "r", count: 500)])
            }
            throw DatabaseError(message: "roll back")
        }
        // Frames after the rolled-back ones' place, and an update of a row of the first commits.
        try database.write { db in try db.execute(sql: "UPDATE t SET v = 'last' WHERE k = 0") }
        expected[0] = "0=last"
        #expect(try reader.read(rows) == expected)

        // Recovery replays the WAL frame by frame and stops at the first whose checksum fails:
        // every committed frame must be in the file, intact and in order.
        let recovered = try copyAsCrashed("crash.sqlite", to: "crash-copy.sqlite")
        #expect(try recovered.read(rows) == expected)
        #expect(try recovered.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok")
        #expect(try database.read(rows) == expected)
    }
}
