import HeraldCore
import NIOCore

/// A request body read from its JSON text: `invalid_json` when the text is not JSON (that check
/// comes first, whatever else is wrong), `invalid_field` or `invalid_id` naming a bad field.
protocol JSONBodyReadable {
    init(jsonBody bytes: ByteBufferView) throws(HeraldError)
}
