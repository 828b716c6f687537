/// Rules for user and notification identifiers: 1–128 characters from `[A-Za-z0-9._:@-]`.
public enum Identifier {
    /// The longest identifier accepted.
    public static let maximumLength = 128

    /// True when `text` is a valid user or notification identifier.
    public static func isValid(_ text: some StringProtocol) -> Bool {
        let bytes = text.utf8
        guard !bytes.isEmpty, bytes.count <= maximumLength else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }

    /// Throws `invalid_id` unless `text` is valid.
    public static func validate(_ text: String, what: String) throws(HeraldError) {
        guard isValid(text) else {
            throw HeraldError(.invalidID, "\(what) must be 1-128 characters from [A-Za-z0-9._:@-]")
        }
    }
}
