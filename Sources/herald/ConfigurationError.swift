/// A start-up configuration problem, reported with what to set.
struct ConfigurationError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
