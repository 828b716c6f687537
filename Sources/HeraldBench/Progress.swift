import Foundation

/// A live progress line on stderr.
struct Progress {
    static func show(_ text: String) {
        FileHandle.standardError.write(Data("\r\(text)\u{1B}[K".utf8))
    }

    static func end() {
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
