import Foundation
import HeraldCore
import Testing

/// ``NotificationData`` keeps a JSON object as text: rendered once from members, or kept as read
/// once checked, and compared by its members.
struct NotificationDataTests {
    @Test func membersRenderOnceInSortedOrder() {
        let data = NotificationData(["b": .int(1), "a": .string("x/y"), "é": .null, "Z": .bool(true)])
        #expect(data.json == #"{"Z":true,"a":"x/y","b":1,"é":null}"#)
        #expect(data["a"] == .string("x/y") && data["missing"] == nil)
        #expect(NotificationData([:]).json == "{}" && NotificationData([:]).isEmpty && !data.isEmpty)
        let literal: NotificationData = ["k": .array([.int(1)])]
        #expect(literal.json == #"{"k":[1]}"#)
    }

    @Test func storedTextIsKeptAsItIsOnceChecked() throws {
        let spelled = #" { "b" : 1 , "a" : [ 12345678901234567890 ] } "#
        let data = try NotificationData(json: spelled)
        #expect(data.json == spelled)
        #expect(data.members == ["a": .array([.bigInteger("12345678901234567890")]), "b": .int(1)])
        #expect(try NotificationData(json: "{}").isEmpty)
        #expect(try NotificationData(json: "{ }").isEmpty)
    }

    @Test(arguments: ["", "[]", "1", "null", #""{}""#, "{", #"{"a":1,}"#, #"{"a":1}x"#, #"{"a":"\ud800"}"#])
    func refusesWhatIsNotOneObject(_ text: String) {
        #expect(throws: JSONReader.Failure.self) { try NotificationData(json: text) }
    }

    @Test func equalityAndHashFollowTheMembers() throws {
        let rendered = NotificationData(["a": .int(1), "b": .array([.null])])
        let spelled = try NotificationData(json: #"{"b": [null], "a": 1}"#)
        #expect(rendered == spelled && rendered.json != spelled.json)
        #expect(rendered.hashValue == spelled.hashValue)
        #expect(rendered != NotificationData(["a": .int(2), "b": .array([.null])]))
        // The same JSON: a double with an integral value renders as the integer.
        #expect(NotificationData(["n": .int(1)]) == NotificationData(["n": .double(1)]))
        #expect(NotificationData(["n": .int(1)]).hashValue == NotificationData(["n": .double(1)]).hashValue)
        #expect(NotificationData(["n": .int(1)]) != NotificationData(["n": .double(1.5)]))
    }

    @Test func codableAsTheObjectItHolds() throws {
        let data = try NotificationData(json: #"{"b": [true], "a": "x"}"#)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let encoded = try encoder.encode(data)
        #expect(String(decoding: encoded, as: UTF8.self) == #"{"a":"x","b":[true]}"#)
        #expect(try JSONDecoder().decode(NotificationData.self, from: encoded) == data)
    }
}
