public import Foundation

/// A fresh directory under the system temporary directory, for SQLite files and sockets.
public func makeTemporaryDirectory(_ label: String = "herald") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
