import CSQLiteSupport
import Foundation
import HeraldTestSupport
import Testing

@testable import HeraldSQLite

/// `herald backup`'s copy is written out to the disk as it grows, not all by its final sync.
@Suite(.timeLimit(.minutes(1)))
struct GradualWritebackTests {
    @Test func aFileWrittenAndNotSyncedIsWrittenOutWhileItIsWatched() async throws {
        let directory = try makeTemporaryDirectory("writeback")
        let path = directory.appendingPathComponent("copy").path
        // 32 MB written and not synced: the kernel's own writeback leaves it for 30 s (far below
        // its background threshold), so its pages stay dirty unless something starts them.
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let file = try #require(FileHandle(forWritingAtPath: path))
        let block = Data(repeating: 7, count: 1 << 20)
        for _ in 0..<32 { try file.write(contentsOf: block) }
        let descriptor = open(path, O_RDONLY)
        defer { close(descriptor) }
        let written = herald_dirty_pages(descriptor)
        #expect(written > 4_096, "\(written) dirty pages (cachestat: errno \(errno))")

        let writeback = GradualWriteback(path: path)
        #expect(await ServiceHarness.eventually { herald_dirty_pages(descriptor) < written / 10 })
        writeback.stop()
        #expect(writeback.stepsTaken > 0)
        try file.close()
    }
}
