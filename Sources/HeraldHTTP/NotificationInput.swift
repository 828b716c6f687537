import Foundation
import HeraldCore

/// The JSON body of a create request, decoded with field-by-field type checks so a bad field
/// yields `invalid_field` naming it.
struct NotificationInput: Decodable {
    var draft: NotificationDraft

    private enum Key: String, CodingKey {
        case user, id, type, title, body, data, tags
        case ttlSeconds = "ttl_seconds"
    }

    init(from decoder: any Decoder) throws {
        let container: KeyedDecodingContainer<Key>
        do {
            container = try decoder.container(keyedBy: Key.self)
        } catch {
            throw HeraldError(.invalidField, "each notification must be a JSON object")
        }
        func field<T: Decodable>(_ type: T.Type, _ key: Key, _ what: String) throws -> T? {
            do {
                guard try container.decodeNil(forKey: key) == false else { return nil }
                return try container.decode(T.self, forKey: key)
            } catch DecodingError.keyNotFound {
                return nil
            } catch {
                throw HeraldError(.invalidField, "\(key.stringValue) must be \(what)")
            }
        }
        guard let user = try field(String.self, .user, "a string") else {
            throw HeraldError(.invalidID, "user is required")
        }
        guard let type = try field(String.self, .type, "a string") else {
            throw HeraldError(.invalidField, "type is required")
        }
        let data = try field([String: JSONValue].self, .data, "a JSON object") ?? [:]
        var measure = JSONWriter()
        measure.object(data)
        let dataSize = measure.bytes.count
        let ttl = try field(Int64.self, .ttlSeconds, "an integer")
        draft = try NotificationDraft(
            user: user,
            id: try field(String.self, .id, "a string"),
            type: type,
            title: try field(String.self, .title, "a string"),
            body: try field(String.self, .body, "a string"),
            data: data,
            dataSize: dataSize,
            tags: try field([String].self, .tags, "an array of strings") ?? [],
            ttlSeconds: ttl)
    }
}

/// `{"notifications": [...]}` where each item is decoded independently.
struct BatchInput: Decodable {
    var items: [Result<NotificationDraft, HeraldError>]

    static let maximumItems = 1000

    private enum Key: String, CodingKey { case notifications }

    private struct Item: Decodable {
        var result: Result<NotificationDraft, HeraldError>
        init(from decoder: any Decoder) throws {
            do {
                result = .success(try NotificationInput(from: decoder).draft)
            } catch let error as HeraldError {
                result = .failure(error)
            } catch {
                result = .failure(HeraldError(.invalidField, "invalid notification"))
            }
        }
    }

    init(from decoder: any Decoder) throws {
        let container: KeyedDecodingContainer<Key>
        let list: [Item]
        do {
            container = try decoder.container(keyedBy: Key.self)
            list = try container.decode([Item].self, forKey: .notifications)
        } catch {
            throw HeraldError(.invalidField, "body must be {\"notifications\": [ ... ]}")
        }
        guard list.count <= Self.maximumItems else {
            throw HeraldError(.invalidField, "a batch holds at most \(Self.maximumItems) notifications")
        }
        items = list.map(\.result)
    }
}

/// Optional body of read-all: `{"type": "…"}` or `{"tag": "…"}`.
struct ReadAllInput: Decodable {
    var type: String?
    var tag: String?
}

/// Optional body of token minting.
struct TokenInput: Decodable {
    var ttlSeconds: Int64?
    enum CodingKeys: String, CodingKey { case ttlSeconds = "ttl_seconds" }
}
