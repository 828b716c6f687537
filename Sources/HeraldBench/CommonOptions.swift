import ArgumentParser
import Foundation

/// Options every scenario shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("header"), help: "Extra request header 'Name: value' (repeatable).")
    var headers: [String] = []

    @Option(help: "Comma-separated server pids for CPU and memory figures.")
    var serverPids: String = ""

    @Option(help: "Append the result as one JSON line to this file.")
    var jsonOut: String?

    @Option(help: "Label stored with the result (e.g. herald, nchan).")
    var label: String = ""

    @Option(help: "Event loop threads of the load generator.")
    var threads: Int = 1

    var parsedHeaders: [(String, String)] {
        headers.compactMap { header in
            guard let colon = header.firstIndex(of: ":") else { return nil }
            return (
                String(header[..<colon]).trimmingCharacters(in: .whitespaces),
                String(header[header.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            )
        }
    }

    var pids: [Int32] { serverPids.split(separator: ",").compactMap { Int32($0) } }

    /// Prints the result and appends it to `--json-out`.
    func emit(_ result: [String: BenchValue]) throws {
        var result = result
        result["label"] = .text(label)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let line = String(decoding: try encoder.encode(result), as: UTF8.self)
        print(line)
        if let jsonOut {
            let url = URL(fileURLWithPath: jsonOut)
            if !FileManager.default.fileExists(atPath: jsonOut) {
                _ = FileManager.default.createFile(atPath: jsonOut, contents: nil)
            }
            let handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((line + "\n").utf8))
            try handle.close()
        }
    }
}
