import Foundation

/// Any JSON value, kept exactly as received (integers stay integers).
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case int(Int64)
    /// An integer beyond `Int64` as ``JSONReader`` reads it, kept as its digits (a `Double` would
    /// change it: 64-bit unsigned ids such as `12345678901234567890` came back as
    /// `1.2345678901234567e+19`). `Decodable` cannot tell such a number from a large double, so it
    /// decodes one as `.double`; Herald reads its JSON with ``JSONReader``.
    case bigInteger(String)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .bigInteger(let digits): try container.encode(Decimal(string: digits) ?? 0)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONValue {
    /// The members, when this is an object.
    public var objectMembers: [String: JSONValue]? {
        guard case .object(let members) = self else { return nil }
        return members
    }

    /// The strings, when this is an array of strings only.
    public var strings: [String]? {
        guard case .array(let items) = self else { return nil }
        var strings: [String] = []
        strings.reserveCapacity(items.count)
        for item in items {
            guard case .string(let text) = item else { return nil }
            strings.append(text)
        }
        return strings
    }
}
