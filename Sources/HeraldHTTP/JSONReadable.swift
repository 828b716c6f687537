import HeraldCore
import NIOCore

/// A request body built from a parsed JSON value, with field-by-field checks so a bad field
/// yields `invalid_field` naming it.
protocol JSONReadable: JSONBodyReadable {
    init(json: JSONValue) throws(HeraldError)
}

extension JSONReadable {
    init(jsonBody bytes: ByteBufferView) throws(HeraldError) {
        try self.init(json: JSONIO.read(bytes) { reader throws(JSONReader.Failure) in try reader.value() })
    }
}
