public import Logging
import Synchronization

/// A `LogHandler` that keeps every message it is given (level and text), for tests that check
/// what the server says.
public final class LogRecorder: Sendable {
    /// One message as logged.
    public struct Entry: Sendable {
        public let level: Logger.Level
        public let message: String
        public let metadata: [String: String]
    }

    private let entries = Mutex<[Entry]>([])

    public init() {}

    /// Everything logged so far, in order.
    public var logged: [Entry] { entries.withLock { $0 } }

    /// A logger at `trace` that records into this recorder.
    public func logger(label: String = "herald.test") -> Logger {
        Logger(label: label) { _ in Handler(recorder: self) }
    }

    fileprivate func record(_ entry: Entry) { entries.withLock { $0.append(entry) } }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            recorder.record(
                Entry(level: event.level, message: "\(event.message)", metadata: all.mapValues { "\($0)" }))
        }
    }
}
