import Foundation
import HeraldCore
import HeraldSQLite
import HeraldTestSupport
import Testing

/// One `herald serve` per database file: the second lock fails while the first is held, other
/// processes' `flock`s are refused too, and SQLite itself is not kept out.
@Suite(.timeLimit(.minutes(1)))
struct DatabaseFileLockTests {
    /// Exit status of util-linux `flock -n` on `path` from another process: 0 when it got the
    /// lock, 3 when the lock was held.
    private func otherProcessLocks(_ path: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        process.arguments = ["-n", "-E", "3", path, "true"]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test func aSecondLockOfTheSameFileIsRefusedUntilTheFirstIsReleased() throws {
        let path = try makeTemporaryDirectory("dblock").appendingPathComponent("new/dir/h.sqlite").path
        let first = try DatabaseFileLock(path: path)
        #expect(FileManager.default.fileExists(atPath: path))
        do {
            _ = try DatabaseFileLock(path: path)
            Issue.record("a second lock was taken")
        } catch {
            #expect(error.code == .inUse)
            #expect(error.message.contains("another herald serve"))
        }
        #expect(try otherProcessLocks(path) == 3)
        first.release()
        #expect(try otherProcessLocks(path) == 0)
        let second = try DatabaseFileLock(path: path)
        second.release()
    }

    @Test func theStoreWorksOnALockedFile() async throws {
        let path = try makeTemporaryDirectory("dblock").appendingPathComponent("h.sqlite").path
        let lock = try DatabaseFileLock(path: path)
        let store = try SQLiteStore(path: path)
        let draft = try ServiceHarness.draft(id: "a")
        _ = try await store.create([draft], defaultTTLSeconds: 60, now: .now())
        #expect(try await store.counts(user: "u1").unread == 1)
        #expect(try otherProcessLocks(path) == 3)
        lock.release()
    }

    @Test func anUnopenablePathSaysWhy() throws {
        let file = try makeTemporaryDirectory("dblock").appendingPathComponent("file")
        try Data().write(to: file)
        do {
            _ = try DatabaseFileLock(path: file.appendingPathComponent("h.sqlite").path)
            Issue.record("a path under a file was opened")
        } catch {
            #expect(error.code == .unavailable)
            #expect(error.message.hasPrefix("cannot open"))
        }
    }
}
