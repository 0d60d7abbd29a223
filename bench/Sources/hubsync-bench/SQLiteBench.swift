import Common
import Glibc

/// `hubsync-bench sqlite DB BODY ROWS BATCH SYNC [--outcomes [--untimed]] [--actions N]`: SQLite alone, through
/// our store and with its pragmas, committing the same delivery row one per transaction or in
/// batches: the ceiling that group commit is measured against. With --outcomes, each row's outcome
/// update is committed in the next batch too, as the intake does, with its handler's timing (summed
/// into `handler_timings`) unless --untimed, which shows that sum's cost. With --actions N, each delivery
/// (its body made unique, so that none is a replay) is queued for N actions, and the process's CPU
/// time per delivery is printed: the outbox's cost without the noise of a loaded machine.
enum SQLiteBench {
    static func run(_ arguments: [String]) throws {
        guard arguments.count >= 5, let rows = Int(arguments[2]), let batch = Int(arguments[3]),
              let sync = SyncMode(rawValue: arguments[4])
        else { throw BenchError("usage: hubsync-bench sqlite DB BODY ROWS BATCH full|normal [--outcomes]") }
        let withOutcomes = arguments.contains("--outcomes")
        let timed = !arguments.contains("--untimed")
        let actionCount = arguments.firstIndex(of: "--actions").flatMap { $0 + 1 < arguments.count ? Int(arguments[$0 + 1]) : nil }
        let actions = (0..<(actionCount ?? 0)).map { index in
            QueuedAction(name: "action-\(index)", digest: HMACSHA256.authenticationCode(key: [UInt8(index)], message: [1]), sealed: Array(repeating: 7, count: 200))
        }
        let body = try readFile(arguments[1])
        AllocatorTuning.applyForServers()  // as webhook-fcgi's writer runs
        let cpuBefore = processCPUMicroseconds()
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
                    repository: "octo/hello", sender: "octocat", body: actionCount == nil ? body : Array("{\"n\":\(number),".utf8) + body.dropFirst(),
                    contentType: "application/json", targetType: "integration", targetID: 1, receivedAt: .now(), actions: actions)))
            }
            let results = try store.commit(items)
            commits += 1
            if withOutcomes {
                for case .inserted(.stored(let id)) in results {
                    var outcome = EventOutcome(status: .processed, summary: ["ref": "refs/heads/main"])
                    if timed { outcome.handlerTiming = HandlerTiming(event: "push", microseconds: Int64(id % 997)) }
                    pendingOutcomes.append(.outcome(id: id, outcome, at: .now()))
                }
            }
            written += count
        }
        let seconds = start.millisecondsUntil(.now()) / 1000
        let cpu = processCPUMicroseconds() - cpuBefore
        print("BENCH rows=\(rows) batch=\(batch) sync=\(sync.rawValue) outcomes=\(withOutcomes) seconds=\(seconds) rows_per_s=\(Int(Double(rows) / seconds)) commits_per_s=\(Int(Double(commits) / seconds))"
              + " timed=\(withOutcomes && timed) cpu_us_per_row=\(cpu / rows)" + (actionCount.map { " actions=\($0)" } ?? ""))
    }
}

/// User and system CPU time of this process so far.
private func processCPUMicroseconds() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1_000_000 + Int(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
}
