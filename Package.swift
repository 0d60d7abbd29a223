// swift-tools-version:6.0
import PackageDescription

// C libraries come in through system-library targets (a module map and a shim header each) and are
// wrapped once in Common, so that no other file touches their pointers (docs/code-style.md, rule 3).
let package = Package(
    name: "pulser-hub-sync",
    products: [
        .executable(name: "webhook-fcgi", targets: ["webhook-fcgi"]),
        .executable(name: "callback-fcgi", targets: ["callback-fcgi"]),
        .executable(name: "hubsync", targets: ["hubsync"]),
        // For the libFuzzer package in Fuzz/, which can reach another package's code only through a library product.
        .library(name: "FuzzChecks", targets: ["FuzzChecks"]),
    ],
    dependencies: [
        // The admin's command line: the one Swift package dependency (DEVELOPERS.md expects it).
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CFastCGI", pkgConfig: "fcgi", providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CSystem"),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // PostgreSQL's client (issue 18), wrapped once in PostgreSQL; the store serves either database.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(name: "PostgreSQL", dependencies: ["CLibPQ"]),
        // Our one C source: a SQLite VFS that writes a transaction's WAL frames in one call.
        .target(name: "CWALBuffer", dependencies: ["CSQLite"]),
        .target(name: "Common", dependencies: ["CFastCGI", "COpenSSL", "CSQLite", "CSystem", "CWALBuffer", "PostgreSQL"]),
        .target(name: "Webhooks", dependencies: ["Common"]),
        // libcurl only where GitHub is called: webhook-fcgi does not load its 36 shared libraries (docs/stack-notes.md, 10).
        .target(name: "GitHub", dependencies: ["Common", "CCurl"]),
        .target(name: "Callback", dependencies: ["Common", "GitHub"]),
        // The REST backfill of the mirror: GitHub's objects read as the webhook handlers read them.
        .target(name: "Sync", dependencies: ["Common", "GitHub", "Webhooks"]),
        // `hubsync dispatch`: the outbox's items forwarded or run, each action on a lane of its own.
        .target(name: "ActionDispatch", dependencies: ["Common", "GitHub"]),
        .executableTarget(name: "callback-fcgi", dependencies: ["Common", "Callback"]),
        .executableTarget(name: "webhook-fcgi", dependencies: ["Common", "Webhooks"]),
        .executableTarget(name: "hubsync", dependencies: [
            "Common", "GitHub", "Sync", "Webhooks", "ActionDispatch", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "hubsync-bench", dependencies: ["Common", "Webhooks", "Callback", "PostgreSQL"], path: "bench/Sources/hubsync-bench"),
        .target(name: "TestSupport", dependencies: ["PostgreSQL", "Common"], path: "Tests/TestSupport"),
        // Properties of the parsers that read client input: run by the fuzzers and over their corpus.
        .target(name: "FuzzChecks", dependencies: ["Common", "Webhooks"], path: "Fuzz/Checks"),
        .testTarget(name: "CommonTests", dependencies: ["Common", "TestSupport"]),
        .testTarget(name: "WebhookTests", dependencies: ["Webhooks", "Common", "TestSupport"]),
        .testTarget(name: "CallbackTests", dependencies: ["Callback", "GitHub", "Common", "TestSupport"]),
        // The hostile-input corpus is read from the source tree, not bundled.
        .testTarget(name: "EndToEndTests", dependencies: ["Common", "Callback", "TestSupport"], exclude: ["HostileInput"]),
        .testTarget(name: "HubSyncTests", dependencies: ["Common", "TestSupport"]),
        .testTarget(name: "SyncTests", dependencies: ["Sync", "Common", "TestSupport"]),
        .testTarget(name: "ActionDispatchTests", dependencies: ["ActionDispatch", "GitHub", "Common", "TestSupport"]),
        .testTarget(name: "FuzzCorpusTests", dependencies: ["FuzzChecks"]),
        .testTarget(name: "PostgreSQLTests", dependencies: ["PostgreSQL", "Common", "TestSupport"]),
    ]
)
