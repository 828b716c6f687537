#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The size of a file, as `/metrics` reports the database's and the store's tools weigh theirs.
public enum FileSize {
    /// The size in bytes of the file at `path` (0: none there, or unreadable).
    public static func bytes(atPath path: String) -> Int64 {
        var status = stat()
        return stat(path, &status) == 0 ? Int64(status.st_size) : 0
    }
}
