/// The memcached keys of one user's notification entries (schema in the README):
///
/// - `{prefix}:{space}:{user}:ne` — the user's current notification epoch (random hex)
/// - `{prefix}:{space}:{user}:n:{epoch}:{hash}` — one notification's entry, where `hash` is a
///   128-bit FNV-1a of `user` and `id` (keeps keys under memcached's 250 bytes; a hit is checked
///   against the stored user and id, so a collision can only cause a miss).
struct NotificationCacheKeys {
    let base: String
    /// The generation whose key space `base` holds.
    let generation: Int64
    let user: String

    var epoch: String { "\(base):\(user):ne" }

    func entry(_ epoch: String, id: String) -> String {
        "\(base):\(user):n:\(epoch):\(Self.digest(user + "\u{0}" + id))"
    }

    static func digest(_ text: String) -> String {
        var low: UInt64 = 0xcbf2_9ce4_8422_2325
        var high: UInt64 = 0x6c62_272e_07bb_0142
        for byte in text.utf8 {
            low = (low ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            high = (high ^ UInt64(byte) ^ (low >> 32)) &* 0x0000_0100_0000_01b3
        }
        let hex =
            String(high, radix: 16) + String(repeating: "0", count: 16 - String(low, radix: 16).count)
            + String(low, radix: 16)
        return hex
    }
}
