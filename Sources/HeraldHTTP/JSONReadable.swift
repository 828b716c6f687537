import HeraldCore

/// A request body built from a parsed JSON value, with field-by-field checks so a bad field
/// yields `invalid_field` naming it.
protocol JSONReadable {
    init(json: JSONValue) throws(HeraldError)
}
