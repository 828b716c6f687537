import Foundation

/// A live progress line on stderr.
struct Progress {
    static func show(_ text: String) {
        FileHandle.standardError.write(Data("\r\(text)\u{1B}[K".utf8))
    }

    static func end() {
        FileHandle.standardError.write(Data("\n".utf8))
    }

    /// Shows `line(seconds since started)` once a second until the returned task is cancelled.
    static func everySecond(
        since started: UInt64, _ line: @escaping @Sendable (_ elapsed: Double) -> String
    ) -> Task<Void, Never> {
        Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                show(line(Double(BenchClock.now() - started) / 1e9))
            }
        }
    }
}
