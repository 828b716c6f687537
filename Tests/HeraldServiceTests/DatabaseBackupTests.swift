import Foundation
import GRDB
import HeraldCore
import HeraldSQLite
import HeraldTestSupport
import Testing

/// `herald backup`: a copy of the database, consistent as of one moment, taken while the store
/// writes; a file that cannot be a backup's source or target is refused, and nothing is left
/// behind when it is.
@Suite(.timeLimit(.minutes(1)))
struct DatabaseBackupTests {
    let now = Timestamp(milliseconds: 1_800_000_000_000)

    /// The files in `directory` whose names say they are a copy still being written.
    func partialFiles(_ directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("partial") }
    }

    /// Under writes from several tasks, the copy holds every commit of some moment: for each user
    /// the counters row, the notification rows and the event log agree; commits still in the WAL
    /// (not yet copied into the database file) are in it.
    @Test func aCopyTakenUnderWritesIsConsistentAndOpensAsAStore() async throws {
        let directory = try makeTemporaryDirectory("backup")
        let source = directory.appendingPathComponent("herald.sqlite").path
        let store = try SQLiteStore(path: source)
        _ = try await store.create(
            [try ServiceHarness.draft(user: "u0", id: "first")], defaultTTLSeconds: 600, now: now)
        let target = directory.appendingPathComponent("copy.sqlite").path
        let backup = try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    var index = 0
                    while !Task.isCancelled {
                        let user = "u\(index % 5)"
                        let id = "w\(writer)-\(index)"
                        _ = try await store.create(
                            [try ServiceHarness.draft(user: user, id: id)], defaultTTLSeconds: 600, now: now)
                        if index % 3 == 0 { _ = try await store.change(.read, user: user, id: id, now: now) }
                        index += 1
                    }
                }
            }
            // Halfway: commits before the copy and after it.
            #expect(await ServiceHarness.eventually { store.committedTransactions >= 50 })
            let backup = try DatabaseBackup.copy(from: source, to: target)
            let copiedAt = store.committedTransactions
            #expect(await ServiceHarness.eventually { store.committedTransactions >= copiedAt + 20 })
            group.cancelAll()
            try await group.waitForAll()
            return backup
        }
        #expect(backup.users == 5 && backup.notifications >= 5)
        #expect(backup.bytes == (try FileManager.default.attributesOfItem(atPath: target)[.size] as? Int64))
        #expect(try partialFiles(directory).isEmpty)

        let copy = try SQLiteStore(path: target)
        var copied = 0
        for user in (0..<5).map({ "u\($0)" }) {
            let counts = try await copy.counts(user: user)
            let unread = try await copy.pool.read { db in
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM notification WHERE user = ? AND read_at IS NULL", arguments: [user])
            }
            let events = try await copy.events(user: user, after: 0, limit: 10_000)
            #expect(Int64(unread ?? -1) == counts.unread, "\(user)")
            #expect(events.count == Int(counts.seq) && events.last?.seq == counts.seq, "\(user)")
            copied += Int(counts.seq)
        }
        // Taken halfway: behind the original, with its first commit (which sat in the WAL).
        let original = try await (0..<5).asyncSum { try await store.counts(user: "u\($0)").seq }
        #expect(copied >= 50 && copied < original)
    }

    @Test func whatCannotBeABackupIsRefusedAndLeavesNothing() async throws {
        let directory = try makeTemporaryDirectory("backup-refused")
        let source = directory.appendingPathComponent("herald.sqlite").path
        let store = try SQLiteStore(path: source)
        _ = try await store.create([try ServiceHarness.draft(user: "u1", id: "a")], defaultTTLSeconds: 600, now: now)

        func refusal(from: String, to: String) -> DatabaseOpenError? {
            do {
                _ = try DatabaseBackup.copy(from: from, to: to)
                return nil
            } catch {
                return error
            }
        }
        let existing = directory.appendingPathComponent("existing.sqlite").path
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: existing))
        #expect(refusal(from: source, to: existing)?.message.contains("exists: name a new file") == true)
        #expect(try String(contentsOfFile: existing, encoding: .utf8) == "keep me")

        let missing = directory.appendingPathComponent("missing.sqlite").path
        #expect(refusal(from: missing, to: directory.appendingPathComponent("b1").path)?.code == .unavailable)
        #expect(!FileManager.default.fileExists(atPath: missing))  // not created by the attempt

        let text = directory.appendingPathComponent("text").path
        try Data(String(repeating: "not a database\n", count: 100).utf8).write(to: URL(fileURLWithPath: text))
        #expect(refusal(from: text, to: directory.appendingPathComponent("b2").path)?.code == .notADatabase)

        let foreign = directory.appendingPathComponent("foreign.sqlite").path
        let queue = try DatabaseQueue(path: foreign)
        try await queue.write { try $0.execute(sql: "CREATE TABLE invoice (id INTEGER PRIMARY KEY)") }
        try queue.close()
        #expect(refusal(from: foreign, to: directory.appendingPathComponent("b3").path)?.code == .foreign)

        let nowhere = directory.appendingPathComponent("no-such-directory/b4").path
        #expect(refusal(from: source, to: nowhere)?.message.contains("no directory") == true)

        #expect(try partialFiles(directory).isEmpty)
        for name in ["b1", "b2", "b3"] {
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path))
        }

        // An empty file (as `mktemp` makes) is taken as the target.
        let empty = directory.appendingPathComponent("empty.sqlite").path
        #expect(FileManager.default.createFile(atPath: empty, contents: nil))
        let backup = try DatabaseBackup.copy(from: source, to: empty)
        #expect(backup.users == 1 && backup.notifications == 1)
    }
}

extension Range where Bound == Int {
    /// The sum of `value` over the range, each awaited in turn.
    fileprivate func asyncSum(_ value: (Int) async throws -> Int64) async rethrows -> Int64 {
        var sum: Int64 = 0
        for index in self { sum += try await value(index) }
        return sum
    }
}
