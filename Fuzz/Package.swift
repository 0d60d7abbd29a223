// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets (`make fuzz`), one per parser that reads what a client sends. A package of its
// own so that the fuzzer's flags (-sanitize=fuzzer,address) never reach the product build. Each
// target runs one property from the main package's FuzzChecks, which `make test` also runs over
// the seed corpus in Fuzz/Corpus.
let fuzzTargets = ["FuzzSignatureHeader", "FuzzFormDecoding", "FuzzPayloadSummary", "FuzzQueryAndCookie", "FuzzConfigFile",
                   "FuzzEventHandlers", "FuzzActionFile"]

let package = Package(
    name: "hubsync-fuzz",
    dependencies: [.package(name: "pulser-hub-sync", path: "..")],
    targets: [
        .systemLibrary(name: "CLibFuzzer", path: "CLibFuzzer"),
        .target(name: "FuzzDriver", dependencies: ["CLibFuzzer", .product(name: "FuzzChecks", package: "pulser-hub-sync")], path: "Driver"),
    ] + fuzzTargets.map { name in
        .executableTarget(name: name, dependencies: ["FuzzDriver", .product(name: "FuzzChecks", package: "pulser-hub-sync")], path: "Targets/\(name)")
    }
)
