/// The demo page's resource files were not installed next to the executable.
public struct DemoAssetsMissing: Error, CustomStringConvertible {
    public let file: String
    public var description: String { "demo page resource \(file) not found (herald_HeraldHTTP.resources)" }
}
