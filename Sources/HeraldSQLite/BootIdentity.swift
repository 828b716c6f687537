import Foundation

/// Which boot of the machine the process runs in: the same from process to process until the
/// operating system starts again. A process that crashes leaves its writes in the OS's page cache,
/// which reaches the disk; a boot that changed since may have lost what was never synced.
enum BootIdentity {
    /// This boot's identity, nil where the system does not say (then every unclean stop is taken
    /// as one that may have lost writes).
    static let current: Int64? = {
        #if os(Linux)
        // A random UUID the kernel draws at boot; containers see the host's.
        guard let text = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8) else {
            return nil
        }
        return identity(ofBootID: text)
        #else
        var boot = timeval()
        var size = MemoryLayout<timeval>.size
        guard sysctlbyname("kern.boottime", &boot, &size, nil, 0) == 0 else { return nil }
        return Int64(boot.tv_sec) * 1_000_000 + Int64(boot.tv_usec)
        #endif
    }()

    /// The first 64 bits of a boot id (`1b4e28ba-2fa1-11d2-883f-0016d3cca427`), which the `meta`
    /// table's integer values can hold; nil when the text is not one.
    static func identity(ofBootID text: String) -> Int64? {
        let digits = text.filter(\.isHexDigit)
        guard digits.count == 32, let bits = UInt64(digits.prefix(16), radix: 16) else { return nil }
        return Int64(bitPattern: bits)
    }
}
