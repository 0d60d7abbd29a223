import Common
import Glibc

/// `hubsync-bench sqlite DB BODY ROWS BATCH SYNC [--outcomes]`: SQLite alone, through our store and
/// with its pragmas, committing the same delivery row one per transaction or in batches: the
/// ceiling that group commit is measured against. With --outcomes, each row's outcome update is
/// committed in the next batch too, as the intake does.
enum SQLiteBench {
    static func run(_ arguments: [String]) throws {
        guard arguments.count >= 5, let rows = Int(arguments[2]), let batch = Int(arguments[3]),
              let sync = SyncMode(rawValue: arguments[4])
        else { throw BenchError("usage: hubsync-bench sqlite DB BODY ROWS BATCH full|normal [--outcomes]") }
        let withOutcomes = arguments.contains("--outcomes")
        let body = try readFile(arguments[1])
        let store = try EventStore(path: arguments[0], syncMode: sync, busyTimeoutMilliseconds: 5000)
        let runID = String(Timestamp.now().microsecondsSinceEpoch)
        var pendingOutcomes: [WriteItem] = []
        let start = Timestamp.now()
        var written = 0
        var commits = 0
        while written < rows {
            let count = min(batch, rows - written)
            var items = pendingOutcomes
            pendingOutcomes = []
            for number in written..<(written + count) {
                items.append(.insert(NewEvent(
                    deliveryID: "\(runID)-\(number)", hookID: 1, event: "push", action: nil, installationID: 42,
                    repository: "octo/hello", sender: "octocat", body: body, contentType: "application/json",
                    targetType: "integration", targetID: 1, receivedAt: .now())))
            }
            let results = try store.commit(items)
            commits += 1
            if withOutcomes {
                for case .inserted(.stored(let id)) in results {
                    pendingOutcomes.append(.outcome(id: id, EventOutcome(status: .processed, summary: ["ref": "refs/heads/main"]), at: .now()))
                }
            }
            written += count
        }
        let seconds = start.millisecondsUntil(.now()) / 1000
        print("BENCH rows=\(rows) batch=\(batch) sync=\(sync.rawValue) outcomes=\(withOutcomes) seconds=\(seconds) rows_per_s=\(Int(Double(rows) / seconds)) commits_per_s=\(Int(Double(commits) / seconds))")
    }
}
