/// A test's own failure, thrown where no library error applies (an unexpected outcome, a server
/// that never answered).
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}
