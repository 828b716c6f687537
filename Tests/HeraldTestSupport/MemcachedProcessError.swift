/// A failure to run the test memcached.
public struct MemcachedProcessError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
