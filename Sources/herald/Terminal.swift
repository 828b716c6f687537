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

    /// Reports a failed server call on standard error; the command then exits 1.
    static func failure(_ error: HeraldClientError) -> ExitCode {
        err("herald: \(error)")
        return ExitCode(1)
    }
}
