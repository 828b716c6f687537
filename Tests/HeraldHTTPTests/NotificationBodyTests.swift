import HeraldCore
import NIOCore
import Testing

@testable import HeraldHTTP

/// Create and batch bodies are read straight from their text into drafts; these pin the rules a
/// parsed JSON value gave them: the text is checked first, a later duplicate key wins, `null` is a
/// missing member, other members are ignored, and each error names what is wrong.
struct NotificationBodyTests {
    private func create(_ text: String) -> Result<NotificationDraft, HeraldError> {
        Result { () throws(HeraldError) in
            try JSONIO.decode(NotificationInput.self, from: ByteBuffer(string: text)).draft
        }
    }

    private func batch(_ text: String) -> Result<[Result<NotificationDraft, HeraldError>], HeraldError> {
        Result { () throws(HeraldError) in
            let input = try JSONIO.decode(BatchInput.self, from: ByteBuffer(string: text))
            var drafts = input.drafts.makeIterator()
            return input.itemErrors.map { error in error.map { .failure($0) } ?? .success(drafts.next()!) }
        }
    }

    private func error<T>(_ result: Result<T, HeraldError>) -> String? {
        guard case .failure(let error) = result else { return nil }
        return "\(error.code): \(error.message)"
    }

    @Test func aCreateBodyReadsItsMembersOnly() throws {
        let draft = try create(
            #"{"x":{"y":[1,{"z":null}],"user":"no"},"user":"a","type":"t","user":"b","title":null,"tags":["k"],"ttl_seconds":6e1,"data":{"n":[true]},"body":"hi"}"#
        ).get()
        #expect(draft.user == "b")
        #expect(draft.type == "t")
        #expect(draft.title == nil)
        #expect(draft.body == "hi")
        #expect(draft.tags == ["k"])
        #expect(draft.ttlSeconds == 60)
        #expect(draft.data == ["n": .array([.bool(true)])])
        #expect(draft.id == nil)
    }

    @Test(arguments: [
        (#"{"user":5,"type":"t""#, "invalid_json: body is not valid JSON: expected ',' or '}' at byte 20"),
        (
            #"{"user":"a","type":"t"} {"#,
            "invalid_json: body is not valid JSON: unexpected data after the value at byte 24"
        ),
        (#"{"type":"t","user":"a","user":null}"#, "invalid_id: user is required"),
        (#"{"user":"a"}"#, "invalid_field: type is required"),
        (#"{"user":"a","type":7}"#, "invalid_field: type must be a string"),
        (#"{"user":7,"type":"t"}"#, "invalid_id: user must be a string of 1-128 characters from [A-Za-z0-9._:@-]"),
        (
            #"{"user":"a","type":"t","id":{}}"#,
            "invalid_id: id must be a string of 1-128 characters from [A-Za-z0-9._:@-]"
        ),
        (#"{"user":"a","type":"t","ttl_seconds":"5"}"#, "invalid_field: ttl_seconds must be an integer"),
        (#"{"user":"a","type":"t","ttl_seconds":2.5}"#, "invalid_field: ttl_seconds must be an integer"),
        (
            #"{"user":"a","type":"t","ttl_seconds":99999999999999999999}"#,
            "invalid_field: ttl_seconds must be between 1 and 315360000"
        ),
        (#"{"user":"a","type":"t","ttl_seconds":-1e30}"#, "invalid_field: ttl_seconds must be between 1 and 315360000"),
        (#"{"user":"a","type":"t","data":[1]}"#, "invalid_field: data must be a JSON object"),
        (#"{"user":"a","type":"t","tags":["x",1]}"#, "invalid_field: tags must be an array of strings"),
        (#"{"user":"a","type":"t","id":"a/b"}"#, "invalid_id: id must be 1-128 characters from [A-Za-z0-9._:@-]"),
        ("[1,2]", "invalid_field: each notification must be a JSON object"),
        ("null", "invalid_field: each notification must be a JSON object"),
    ])
    func aCreateBodyIsCheckedInTheSameOrderAsEver(_ text: String, _ expected: String) {
        #expect(error(create(text)) == expected)
    }

    @Test func nestingIsLimitedInsideTheMembersRead() {
        func body(depth: Int) -> String {
            // The body's object is one level, data's the second.
            let inner = String(repeating: "[", count: depth - 2) + String(repeating: "]", count: depth - 2)
            return #"{"user":"a","type":"t","data":{"k":\#(inner)}}"#
        }
        #expect((try? create(body(depth: JSONReader.maximumDepth)).get()) != nil)
        #expect(error(create(body(depth: JSONReader.maximumDepth + 1)))?.hasPrefix("invalid_json:") == true)
        #expect((try? JSONReader.parse(Array(body(depth: JSONReader.maximumDepth + 1).utf8))) == nil)
    }

    @Test func aBatchKeepsEachItemsOutcomeInOrder() throws {
        let items = try batch(
            #"{"other":[{}],"notifications":[{"user":"a","type":"t"},5,{"user":"bad user","type":"t"},{"user":"a","type":null},{"user":"c","type":"t","id":"i"}]}"#
        ).get()
        #expect(items.count == 5)
        #expect((try? items[0].get())?.user == "a")
        #expect(error(items[1]) == "invalid_field: each notification must be a JSON object")
        #expect(error(items[2])?.hasPrefix("invalid_id: user must be 1-128 characters") == true)
        #expect(error(items[3]) == "invalid_field: type is required")
        #expect((try? items[4].get())?.id == "i")
    }

    @Test(arguments: [#"{"notifications":[]}"#, #"{ "notifications" : [ ] }"#, #"{"notifications":[],"x":1}"#])
    func anEmptyBatchIsAListOfNoItems(_ text: String) throws {
        #expect(try batch(text).get().isEmpty)
    }

    @Test func aBatchsLastListWins() throws {
        let items = try batch(#"{"notifications":[5],"notifications":[{"user":"a","type":"t"}]}"#).get()
        #expect(items.count == 1)
        #expect((try? items[0].get())?.user == "a")
        #expect(error(batch(#"{"notifications":[{"user":"a","type":"t"}],"notifications":null}"#)) != nil)
    }

    @Test(arguments: [
        "{}", "[]", "5", #"{"notifications":null}"#, #"{"notifications":{}}"#, #"{"notifications":"x"}"#,
        #"{"notifications":[{"user":"a","type":"t"}],"notifications":5}"#,
    ])
    func aBatchWithoutAListIsAShapeError(_ text: String) {
        #expect(error(batch(text)) == #"invalid_field: body must be {"notifications": [ ... ]}"#)
    }

    @Test(arguments: [
        #"{"notifications":5,"x":}"#, #"{"notifications":[{"user":"bad user"}],"#, #"[{"user":"a","type":"t"}"#,
        #"{"notifications":[{"user":"a","type":"t"} {}]}"#,
    ])
    func aBatchThatIsNotJSONIsThatErrorWhateverElseIsWrong(_ text: String) {
        #expect(error(batch(text))?.hasPrefix("invalid_json: body is not valid JSON:") == true)
    }

    @Test func aBatchHoldsAThousand() throws {
        func body(_ count: Int) -> String {
            #"{"notifications":["# + Array(repeating: #"{"user":"a","type":"t"}"#, count: count).joined(separator: ",")
                + "]}"
        }
        #expect(try batch(body(BatchInput.maximumItems)).get().count == BatchInput.maximumItems)
        #expect(
            error(batch(body(BatchInput.maximumItems + 1))) == "invalid_field: a batch holds at most 1000 notifications"
        )
        #expect(error(batch(body(BatchInput.maximumItems + 1) + "x"))?.hasPrefix("invalid_json:") == true)
    }

    /// The rules as a parsed value and a dictionary of its members gave them, for comparison.
    private static func reference(_ text: String) -> String {
        let json: JSONValue
        do throws(JSONReader.Failure) {
            json = try JSONReader.parse(Array(text.utf8))
        } catch {
            return "invalid_json"
        }
        do throws(HeraldError) {
            let fields = try JSONFields(json, notAnObject: "each notification must be a JSON object")
            guard let user = try fields["user"].identifier() else { throw HeraldError(.invalidID, "user is required") }
            guard let type = try fields["type"].string() else { throw HeraldError(.invalidField, "type is required") }
            let draft = try NotificationDraft(
                user: user, id: try fields["id"].identifier(), type: type, title: try fields["title"].string(),
                body: try fields["body"].string(), data: try fields["data"].object() ?? [:],
                tags: try fields["tags"].strings() ?? [], ttlSeconds: try fields["ttl_seconds"].integer(),
                expiresAt: try fields["expires_at"].timestamp())
            return "\(draft)"
        } catch {
            return "\(error.code): \(error.message)"
        }
    }

    private func outcome(_ result: Result<NotificationDraft, HeraldError>) -> String {
        switch result {
        case .success(let draft): return "\(draft)"
        case .failure(let error) where error.code == .invalidJSON: return "invalid_json"
        case .failure(let error): return "\(error.code): \(error.message)"
        }
    }

    @Test func generatedBodiesReadAsAParsedValueReadThem() throws {
        let keys = [
            "user", "id", "type", "title", "body", "data", "tags", "ttl_seconds", "expires_at", "other", "User",
        ]
        let values = [
            #""u1""#, #""2036-01-01T00:00:00+01:00""#, #""2020-01-01T00:00:00Z""#, #""2036-02-30T00:00:00Z""#,
            #""bad user""#, "null", "5", "5.0", "1e3", "-1", #""t""#, #""""#, #"{"k":[1,null]}"#, "[1]",
            #"["a"]"#, #"["a",1]"#, "[]", "{}", "true", #""x\u0000""#, #""é""#,
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let members = (0..<Int.random(in: 0...8, using: &generator)).map { _ in
                "\"\(keys.randomElement(using: &generator)!)\":\(values.randomElement(using: &generator)!)"
            }
            var text = "{" + members.joined(separator: ",") + "}"
            switch Int.random(in: 0..<20, using: &generator) {
            case 0: text = String(text.dropLast())  // not JSON
            case 1: text = values.randomElement(using: &generator)!  // not an object
            default: break
            }
            #expect(outcome(create(text)) == Self.reference(text), "\(text)")
            // The same item in a batch, between two valid ones.
            let batched = batch(#"{"notifications":[{"user":"a","type":"t"},"# + text + #",{"user":"b","type":"t"}]}"#)
            if Self.reference(text) == "invalid_json" {
                #expect(error(batched)?.hasPrefix("invalid_json:") == true, "\(text)")
            } else {
                let items = try batched.get()
                #expect(items.count == 3)
                #expect(outcome(items[1]) == Self.reference(text), "\(text)")
                #expect((try? items[2].get())?.user == "b")
            }
        }
    }
}
