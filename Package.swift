// swift-tools-version:6.0
import PackageDescription

// C libraries come in through system-library targets (a module map and a shim header each) and are
// wrapped once in Common, so that no other file touches their pointers (STYLE.md, house rule 3).
let package = Package(
    name: "pulser-hub-sync",
    products: [
        .executable(name: "webhook-fcgi", targets: ["webhook-fcgi"]),
    ],
    targets: [
        .systemLibrary(name: "CFastCGI", pkgConfig: "fcgi", providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CSystem"),
        .target(name: "Common", dependencies: ["CFastCGI", "COpenSSL", "CSQLite", "CSystem"]),
        .target(name: "Webhooks", dependencies: ["Common"]),
        .executableTarget(name: "webhook-fcgi", dependencies: ["Common", "Webhooks"]),
        .executableTarget(name: "hubsync-bench", dependencies: ["Common", "Webhooks"], path: "bench/Sources/hubsync-bench"),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "CommonTests", dependencies: ["Common", "TestSupport"]),
        .testTarget(name: "WebhookTests", dependencies: ["Webhooks", "Common", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["Common"]),
    ]
)
