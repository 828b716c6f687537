#if canImport(Glibc)
import Glibc
#endif

/// Reads `HERALD_*` variables; a command-line flag always wins over its variable.
enum Environment {
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        let text = String(cString: raw)
        return text.isEmpty ? nil : text
    }

    static func flag(_ name: String) -> Bool {
        guard let text = value(name)?.lowercased() else { return false }
        return ["1", "true", "yes", "on"].contains(text)
    }

    static func resolve<T: LosslessStringConvertible>(
        _ flag: T?, _ variable: String, default fallback: T
    ) throws -> T {
        if let flag { return flag }
        guard let text = value(variable) else { return fallback }
        guard let parsed = T(text) else {
            throw ConfigurationError(message: "\(variable)=\(text) is not a valid value")
        }
        return parsed
    }
}
