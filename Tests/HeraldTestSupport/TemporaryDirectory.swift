public import Foundation
import Synchronization

/// A fresh directory under the system temporary directory, for SQLite files and sockets.
///
/// The directory and everything in it is removed when the test process exits, so repeated
/// `make test` runs leave nothing behind in `/tmp`. (Tests reopen a directory after a simulated
/// restart, so it cannot go when the first harness that used it shuts down.)
public func makeTemporaryDirectory(_ label: String = "herald") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    TemporaryDirectories.removeAtExit(url)
    return url
}

/// The directories made by ``makeTemporaryDirectory(_:)``, removed by an `atexit` handler.
enum TemporaryDirectories {
    private static let pending = Mutex<[URL]>([])
    private static let handlerInstalled: Void = {
        atexit {
            let directories = TemporaryDirectories.pending.withLock { $0 }
            for directory in directories { try? FileManager.default.removeItem(at: directory) }
        }
    }()

    static func removeAtExit(_ directory: URL) {
        _ = handlerInstalled
        pending.withLock { $0.append(directory) }
    }
}
