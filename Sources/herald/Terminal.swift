import ArgumentParser
import Foundation
import HeraldClient

/// Terminal output of the client commands, unbuffered so `herald tail | grep` sees lines at once.
enum Terminal {
    static func out(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func err(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// A counts object from the API as `unread 3, unseen 5, seq 42`.
    static func counts(_ counts: [String: Any]) -> String {
        "unread \(counts["unread"] ?? 0), unseen \(counts["unseen"] ?? 0), seq \(counts["seq"] ?? 0)"
    }

    /// Reports a failed server call on standard error; the command then exits 1.
    static func failure(_ error: HeraldClientError) -> ExitCode {
        err("herald: \(error)")
        return ExitCode(1)
    }
}
