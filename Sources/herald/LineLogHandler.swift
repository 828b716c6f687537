import Foundation
import HeraldCore
import Logging

/// One line per log event on standard error, as text or JSON (`--log-format`).
///
/// - text: `2026-11-22T10:00:00.000Z info herald: key=value … message`
/// - json: `{"label":"herald","level":"info","message":"…","ts":"…", …metadata}`
///
/// Metadata is rendered only when a line is written (swift-log's `StreamLogHandler` re-renders it
/// whenever a key is set, and the server sets a request id on every request's logger).
struct LineLogHandler: LogHandler {
    enum Format: String, CaseIterable {
        case text, json
    }

    let label: String
    let format: Format
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
        switch format {
        case .text: write(Self.text(event, label: label, metadata: merged))
        case .json: Self.json(event, label: label, metadata: merged).map(write)
        }
    }

    private static func text(_ event: LogEvent, label: String, metadata: Logger.Metadata) -> Data {
        var line = "\(Timestamp.now()) \(event.level) \(label):"
        for key in metadata.keys.sorted() { line += " \(key)=\(metadata[key]!)" }
        line += " \(event.message)\n"
        return Data(line.utf8)
    }

    private static func json(_ event: LogEvent, label: String, metadata: Logger.Metadata) -> Data? {
        var object: [String: Any] = metadata.mapValues(plain)
        object["ts"] = Timestamp.now().description
        object["level"] = event.level.rawValue
        object["label"] = label
        object["message"] = event.message.description
        guard
            var line = try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return nil }
        line.append(0x0A)
        return line
    }

    private static func plain(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(plain)
        case .dictionary(let dictionary): dictionary.mapValues(plain)
        }
    }
}
