// swift-tools-version:6.2
// The floor Hummingbird sets on this machine: one route with a fixed answer, no middleware.
// Built apart from Herald (same Hummingbird version range); see the README's Performance section.
import PackageDescription

let package = Package(
    name: "hummingbird-bare",
    platforms: [.macOS(.v15)],
    dependencies: [.package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1")],
    targets: [
        .executableTarget(name: "bare", dependencies: [.product(name: "Hummingbird", package: "hummingbird")])
    ]
)
