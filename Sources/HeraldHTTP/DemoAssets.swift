import Foundation
import Hummingbird

/// The demo inbox page's files (HTML, CSS, JS), read once from the target's resources.
struct DemoAssets: Sendable {
    struct Asset: Sendable {
        var contentType: String
        var bytes: ByteBuffer
    }

    /// Served paths and their files.
    let assets: [String: Asset]

    /// Reads every file; throws when the resource bundle is missing (a broken installation).
    static func load() throws -> DemoAssets {
        let files: [(path: String, name: String, ext: String, type: String)] = [
            ("/", "index", "html", "text/html; charset=utf-8"),
            ("/demo/inbox.js", "inbox", "js", "text/javascript; charset=utf-8"),
            ("/demo/inbox.css", "inbox", "css", "text/css; charset=utf-8"),
        ]
        var assets: [String: Asset] = [:]
        for file in files {
            guard
                let url = Bundle.module.url(forResource: file.name, withExtension: file.ext, subdirectory: "Demo")
            else {
                throw DemoAssetsMissing(file: "\(file.name).\(file.ext)")
            }
            let data = try Data(contentsOf: url)
            assets[file.path] = Asset(contentType: file.type, bytes: ByteBuffer(bytes: data))
        }
        return DemoAssets(assets: assets)
    }
}
