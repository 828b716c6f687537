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

    /// An on/off variable: unset or empty is off; otherwise read by ``onOff(_:variable:)``.
    static func flag(_ name: String) throws -> Bool {
        guard let text = value(name) else { return false }
        return try onOff(text, variable: name)
    }

    /// `1`, `true`, `yes`, `on` and `0`, `false`, `no`, `off` (any case) say which; anything else
    /// stops start-up rather than being read as off.
    static func onOff(_ text: String, variable: String) throws -> Bool {
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default:
            throw ConfigurationError(
                message: "\(variable)=\(text) is not a valid value: use 1 or 0 (or true/false, yes/no, on/off)")
        }
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
