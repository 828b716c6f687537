import Foundation
import HeraldCore
import Logging

/// Human-readable lines on standard error (`--log-format text`, the default):
/// `2026-11-22T10:00:00.000Z info herald: key=value … message`.
///
/// Unlike swift-log's `StreamLogHandler`, which re-renders all metadata whenever a key is set,
/// metadata is rendered only when a line is written: the server sets a request id on every
/// request's logger, and most requests write no line.
struct TextLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    /// Where each line goes (standard error unless a test captures it).
    var write: @Sendable (Data) -> Void = { FileHandle.standardError.write($0) }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        var line = "\(Timestamp.now()) \(event.level) \(label):"
        for key in merged.keys.sorted() { line += " \(key)=\(merged[key]!)" }
        line += " \(event.message)\n"
        write(Data(line.utf8))
    }
}
