import Glibc

/// Measurements for `make bench` that need our own code: the CPU cost of each intake step
/// (`micro`), SQLite's commit ceiling with our store and pragmas (`sqlite`), bulk rows for the
/// growth figures (`generate`), the events-list query (`query`), the console's pages (`console`)
/// and PostgreSQL's commit ceiling (`postgres`).
let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "micro":
        try Micro.run(payloadPath: arguments.count > 1 ? arguments[1] : "Tests/Fixtures/payloads/push/payload.json")
    case "sqlite":
        try SQLiteBench.run(Array(arguments.dropFirst()))
    case "generate":
        try Growth.generate(Array(arguments.dropFirst()))
    case "query":
        try Growth.query(Array(arguments.dropFirst()))
    case "console":
        try ConsoleBench.run(Array(arguments.dropFirst()))
    case "postgres":
        try PostgreSQLBench.run(Array(arguments.dropFirst()))
    default:
        print("usage: hubsync-bench micro PAYLOAD | sqlite DB BODY ROWS BATCH SYNC [--outcomes] | generate DB ROWS | query DB | console DB | postgres URI BODY ROWS BATCH")
        exit(64)
    }
} catch {
    print("hubsync-bench: \(error)")
    exit(1)
}
