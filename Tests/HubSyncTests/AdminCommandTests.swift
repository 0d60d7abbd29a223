import Foundation
import Testing
import TestSupport
@testable import Common

/// The admin's commands (init, doctor, jwt, token, integrations, events, stats, redeliver): the
/// built binary against real databases and the fake GitHub.
@Suite(.serialized) struct AdminCommandTests {
    let fake: FakeGitHub
    let directory: TemporaryDirectory
    var database: String { TestDatabase.location(in: directory) }
    var keyFile: String { directory.path + "/hubsync.key" }

    init() throws {
        fake = try FakeGitHub()
        directory = try TemporaryDirectory()
    }

    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        fake.environment.merging(["HUBSYNC_DB": database, "HUBSYNC_KEY_FILE": keyFile, "HUBSYNC_CONFIG": "/dev/null",
                                  "PATH": "/usr/bin:/bin"]) { _, new in new }.merging(extra) { _, new in new }
    }

    func hubsync(_ arguments: [String], _ extra: [String: String] = [:], input: String? = nil) throws -> (status: Int32, output: String, error: String) {
        let result = try runProcess(HubSyncCommand.binary, arguments, environment: environment(extra), input: input.map { Array($0.utf8) })
        return (result.status, result.stdout, result.stderr)
    }

    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    @Test func initCreatesAPrivateDatabaseAndKeyAndIsSafeToRerun() throws {
        let first = try jsonObject(hubsync(["init", "--json"]).output)
        #expect(first["database_created"] as? Bool == true && first["key_file_created"] as? Bool == true)
        #expect(first["schema_version"] as? Int == Migrations.currentVersion)
        #expect(try TestDatabase.usesPostgreSQL || mode(database) == 0o600)
        #expect(try mode(keyFile) == 0o600 && mode(directory.path + "/tokens.key") == 0o600)
        #expect(first["token_key_file_created"] as? Bool == true)
        let key = try Data(contentsOf: URL(fileURLWithPath: keyFile))
        let again = try hubsync(["init"])
        #expect(again.status == 0 && again.output.contains("present, schema version \(Migrations.currentVersion)"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: keyFile)) == key)  // never replaced
    }

    @Test func doctorChecksEachItemAndFailsWithTheFix() throws {
        _ = try hubsync(["init"])
        let healthy = try hubsync(["doctor", "--online", "--json"], ["GITHUB_WEBHOOK_SECRET": "s3cret-for-doctor-0123456789abcdef"])
        #expect(healthy.status == 0, "\(healthy.output)")
        let checks = try jsonArray(healthy.output)
        let byName = Dictionary(checks.map { ($0["check"] as? String ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        for name in ["app id", "client id", "app key mode", "app key type", "app jwt", "key file", "database", "webhook secret", "clock",
                     "github app", "clock vs github"] {
            #expect(byName[name]?["status"] as? String == "ok", "\(name): \(String(describing: byName[name]))")
        }
        #expect((byName["github app"]?["detail"] as? String)?.contains("pulser-hub-sync-test") == true)
        // The fake App subscribes to push, pull_request and issues: workflow_run is handled but not subscribed.
        #expect(byName["github events"]?["status"] as? String == "warn")
        #expect((byName["github events"]?["detail"] as? String)?.contains("workflow_run") == true)
        #expect(!healthy.output.contains("s3cret-for-doctor"))
        // Below 32 bytes doctor fails the secret, naming the variable and its length, never the value.
        let weak = try hubsync(["doctor", "--json"], ["GITHUB_WEBHOOK_SECRET": "x0123456789abcdefghi", "GITHUB_WEBHOOK_SECRET_PREVIOUS": ""])
        #expect(weak.status == 1)
        let weakCheck = try jsonArray(weak.output).first { $0["check"] as? String == "webhook secret" }
        #expect(weakCheck?["status"] as? String == "fail")
        #expect((weakCheck?["detail"] as? String)?.contains("GITHUB_WEBHOOK_SECRET has 20 bytes") == true, "\(String(describing: weakCheck))")
        #expect(!weak.output.contains("x0123456789abcdefghi"))

        chmod(fake.pemPath, 0o644)
        defer { chmod(fake.pemPath, 0o600) }
        let broken = try hubsync(["doctor"], ["GITHUB_APP_ID": "", "GITHUB_WEBHOOK_SECRET": ""])
        #expect(broken.status == 1)
        #expect(broken.output.contains("fail app key mode: \(fake.pemPath) has mode 644"))
        #expect(broken.output.contains("fix: chmod 600 \(fake.pemPath)"))
        #expect(broken.output.contains("fail app id: GITHUB_APP_ID is not set"))
        #expect(broken.output.contains("fail webhook secret"))
        #expect(try hubsync(["doctor"], ["HUBSYNC_KEY_FILE": directory.path + "/absent.key"]).output.contains("fix: run hubsync init"))
    }

    /// The console: who may enter, the callback URL the App must list, and (online) whether the
    /// App may read the team memberships HUBSYNC_ADMIN_TEAMS relies on.
    @Test func doctorNamesTheConsolesAdminsAndCallbackURL() throws {
        _ = try hubsync(["init"])
        let closed = try hubsync(["doctor"])
        #expect(closed.output.contains("warn console: HUBSYNC_ADMINS and HUBSYNC_ADMIN_TEAMS are empty"), "\(closed.output)")
        #expect(closed.output.contains("add https://<this server>/github/admin/callback to the App's callback URLs"))
        let open = try hubsync(["doctor", "--online"], ["HUBSYNC_ADMINS": "octocat", "HUBSYNC_ADMIN_TEAMS": "octo-org/ops",
                                                        "HUBSYNC_PUBLIC_URL": "https://hooks.example.com"])
        #expect(open.output.contains("ok   console: open to octocat, team octo-org/ops; the App's callback URLs must list https://hooks.example.com/github/admin/callback\n"),
                "\(open.output)")
        // The fake App has no Members permission.
        #expect(open.output.contains("fail console teams: HUBSYNC_ADMIN_TEAMS is set but the App has no Members permission"))
    }

    /// Least privilege: the client secret in a file of its own and two keys. The secrets key may be
    /// read by the service's group (webhook-fcgi's user); the token key, the client secret and the
    /// App's key may not, and a client secret given as a value (which webhook-fcgi can read) is a warning.
    @Test func doctorKeepsTheAppsSecretsOutOfTheReceiversGroup() throws {
        _ = try hubsync(["init"])
        let tokenKey = directory.path + "/tokens.key"
        let secretFile = directory.path + "/client-secret"
        try writeFile(secretFile, FakeGitHub.clientSecret + "\n")
        chmod(secretFile, 0o600)
        let fromFile = ["GITHUB_APP_CLIENT_SECRET": "", "GITHUB_APP_CLIENT_SECRET_PATH": secretFile,
                        "GITHUB_WEBHOOK_SECRET": "s3cret-for-doctor-0123456789abcdef"]
        func checks(_ extra: [String: String]) throws -> [String: String] {
            let output = try hubsync(["doctor", "--json"], extra).output
            return Dictionary(try jsonArray(output).map { ($0["check"] as? String ?? "", $0["status"] as? String ?? "") },
                              uniquingKeysWith: { first, _ in first })
        }
        chmod(keyFile, 0o640)
        var byName = try checks(fromFile)
        for name in ["client secret", "client secret mode", "key file", "token key file", "app key mode"] {
            #expect(byName[name] == "ok", "\(name): \(String(describing: byName[name]))")
        }
        chmod(tokenKey, 0o640)
        chmod(secretFile, 0o640)
        byName = try checks(fromFile)
        #expect(byName["token key file"] == "fail" && byName["client secret mode"] == "fail")
        chmod(tokenKey, 0o600)
        #expect(try checks([:])["client secret"] == "warn")  // the fake's value in GITHUB_APP_CLIENT_SECRET
        let both = try hubsync(["doctor"], ["GITHUB_APP_CLIENT_SECRET_PATH": secretFile])
        #expect(both.status != 0 && both.error.contains("not both"))
    }

    /// Processes that open a database that does not exist yet, all at once, all succeed: switching
    /// it to WAL is done under the writers' lock, where SQLite would otherwise answer one of two
    /// racing switches "database is locked" without waiting.
    @Test func processesOpeningAFreshDatabaseAtOnceAllSucceed() throws {
        // Two at a time: the race is between two switches (before the fix, about one round in
        // twenty failed, so sixty rounds miss it rarely).
        for round in 0..<60 {
            let fresh = directory.path + "/fresh-\(round).db"
            let processes = try (0..<2).map { _ in
                try SpawnedProcess(HubSyncCommand.binary, ["events", "list"], environment: environment(["HUBSYNC_DB": fresh]))
            }
            let results = processes.map { process in
                let output = process.readAll()
                return (status: process.wait(), stderr: String(decoding: output.stderr, as: UTF8.self))
            }
            #expect(results.allSatisfy { $0.status == 0 }, "\(results)")
        }
    }

    @Test func jwtIsAcceptedByGitHubAndTokenIsReusedAcrossProcesses() throws {
        let jwt = try hubsync(["jwt"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let app = try runProcess("/usr/bin/curl", ["-sS", "-H", "Authorization: Bearer \(jwt)", "-H", "Accept: application/vnd.github+json",
                                                   "-H", "X-GitHub-Api-Version: 2022-11-28", fake.baseURL + "/app"])
        #expect(app.stdout.contains("\"slug\": \"pulser-hub-sync-test\""))  // the fake verified the RS256 signature

        // Two processes at once need a token: GitHub is asked once (the refresh lock), both print it.
        let processes = try (0..<2).map { _ in try SpawnedProcess(HubSyncCommand.binary, ["token", "1"], environment: environment()) }
        let results = processes.map { process in
            let output = process.readAll()
            process.wait()
            return (stdout: String(decoding: output.stdout, as: UTF8.self), stderr: String(decoding: output.stderr, as: UTF8.self))
        }
        let outputs = results.map(\.stdout)
        #expect(outputs[0].hasPrefix("ghs_4242_") && outputs[0] == outputs[1], "\(results)")
        let again = try jsonObject(hubsync(["token", "1", "--min-ttl", "30m", "--json"]).output)
        #expect(again["token"] as? String == outputs[0].trimmingCharacters(in: .whitespacesAndNewlines))
        #expect((try fake.stats()["installation_tokens"] as? [String: Int])?["1"] == 1)
        let suspended = try hubsync(["token", "7"])
        #expect(suspended.status == 1 && suspended.error.contains("This installation has been suspended"))
        #expect(try hubsync(["token", "1", "--min-ttl", "2h"]).status == 64)
    }

    @Test func integrationsListAndShowNeverTheToken() throws {
        _ = try hubsync(["backfill", "1"])
        _ = try hubsync(["token", "1"])
        let list = try jsonArray(hubsync(["integrations", "--json"]).output)
        #expect(list.map { $0["installation_id"] as? Int } == [1])
        #expect(list[0]["account"] as? String == "octo-org" && list[0]["account_type"] as? String == "Organization")
        #expect(list[0]["repository_selection"] as? String == "selected" && list[0]["status"] as? String == "active")
        #expect(list[0]["token_expires_at"] is String)
        let show = try hubsync(["integrations", "show", "1"]).output
        #expect(show.contains("account:") && show.contains("octo-org") && show.contains("token_expires_at:"))
        let listed = try hubsync(["integrations", "--json"]).output
        for token in try fake.issuedTokens() {
            #expect(!show.contains(token) && !listed.contains(token))
        }
        let missing = try hubsync(["integrations", "show", "99"])
        #expect(missing.status == 1 && missing.error.contains("no integration with installation id 99"))
    }

    /// Events in a database as intake leaves them: the body exactly as received, then an outcome.
    func store(_ event: String, _ body: String, status: EventStatus, receivedAt: Timestamp = .now(), error: String? = nil,
               retryAt: Timestamp? = nil, repository: String? = "octo-org/hello-world") throws -> (id: Int64, delivery: String) {
        let store = try TestDatabase.eventStore(in: directory)
        let delivery = UUID().uuidString.lowercased()
        let id = try store.insert([NewEvent(deliveryID: delivery, hookID: 1, event: event, action: nil, installationID: 1,
                                            repository: repository, sender: "octocat", body: Array(body.utf8),
                                            contentType: "application/json", targetType: nil, targetID: nil, receivedAt: receivedAt)])[0].id
        if status != .pending { try store.recordOutcome(id: id, EventOutcome(status: status, error: error, retryAt: retryAt), at: receivedAt) }
        return (id, delivery)
    }

    @Test func eventsListShowReprocessAndPrune() throws {
        let pullRequest = #"{"action":"opened","number":3,"repository":{"full_name":"octo-org/hello-world"},"pull_request":{"number":3,"title":"Spaces  and \u00e9","state":"open","updated_at":"2026-11-26T10:00:00Z","user":{"login":"mona"},"head":{"ref":"a","sha":"1"},"base":{"ref":"main","sha":"0"},"labels":[]}}"#
        // A delivery an earlier version failed to handle (a bug since fixed): the body is intact.
        let failed = try store("pull_request", pullRequest, status: .failed, error: "old handler bug")
        let old = Timestamp.now().adding(seconds: -100 * 86_400)
        let oldProcessed = try store("push", "{}", status: .processed, receivedAt: old)
        _ = try store("ping", "{}", status: .skipped, receivedAt: old, repository: nil)
        let oldFailed = try store("issues", "{}", status: .failed, receivedAt: old, error: "missing issue")
        let oldPending = try store("issues", "{}", status: .pending, receivedAt: old)

        let listed = try jsonArray(hubsync(["events", "list", "--json"]).output)
        #expect(listed.map { $0["id"] as? Int } == [5, 4, 3, 2, 1])  // newest first
        #expect(Set(listed[0].keys) == ["id", "delivery_id", "hook_id", "event", "action", "installation_id", "repository", "sender",
                                         "status", "attempts", "error", "received_at", "processed_at", "next_attempt_at", "state"])
        // A failed event with no retry time is given up (the stored one above never had one).
        #expect(listed.first { $0["id"] as? Int == 4 }?["state"] as? String == "given up")
        #expect(try jsonArray(hubsync(["events", "list", "--status", "failed", "--json"]).output).map { $0["id"] as? Int } == [4, 1])
        #expect(try jsonArray(hubsync(["events", "list", "--event", "push", "--json"]).output).map { $0["id"] as? Int } == [2])
        #expect(try jsonArray(hubsync(["events", "list", "--since", "24h", "--json"]).output).map { $0["id"] as? Int } == [1])
        #expect(try jsonArray(hubsync(["events", "list", "--repo", "octo-org/hello-world", "--limit", "2", "--json"]).output).count == 2)
        #expect(try hubsync(["events", "list", "--status", "bogus"]).status == 64)

        // show: by id or by delivery GUID; --payload is the body byte for byte.
        let shown = try jsonObject(hubsync(["events", "show", failed.delivery, "--json"]).output)
        #expect(shown["id"] as? Int == Int(failed.id) && shown["status"] as? String == "failed" && shown["error"] as? String == "old handler bug")
        let payload = try runProcess(HubSyncCommand.binary, ["events", "show", String(failed.id), "--payload"],
                                     environment: ["HUBSYNC_DB": database, "HUBSYNC_CONFIG": "/dev/null"])
        #expect(payload.output == Array(pullRequest.utf8))
        #expect(try hubsync(["events", "show", "nope"]).status == 1)

        // reprocess: the same handlers as intake; the mirror gets the pull request.
        let reprocessed = try hubsync(["events", "reprocess", String(failed.id)])
        #expect(reprocessed.status == 0 && reprocessed.output.contains("\(failed.id) pull_request \(failed.delivery): failed -> processed"))
        #expect(try jsonArray(hubsync(["prs", "--json"]).output).first?["title"] as? String == "Spaces  and é")
        let stillFailing = try jsonArray(hubsync(["events", "reprocess", "--failed", "--json"]).output)
        #expect(stillFailing.map { $0["id"] as? Int } == [Int(oldFailed.id)])
        #expect(stillFailing.first?["status"] as? String == "failed")  // an issues event without an issue still fails
        #expect(try hubsync(["events", "reprocess"]).status == 64)

        // prune: old processed and skipped only, unless asked; a dry run deletes nothing.
        let dry = try jsonObject(hubsync(["events", "prune", "--older-than", "90d", "--dry-run", "--json"]).output)
        #expect(dry["events"] as? Int == 2)
        #expect(try jsonArray(hubsync(["events", "list", "--json"]).output).count == 5)
        #expect(try jsonObject(hubsync(["events", "prune", "--older-than", "90d", "--json"]).output)["events"] as? Int == 2)
        #expect(try jsonArray(hubsync(["events", "list", "--json"]).output).map { $0["id"] as? Int }
                == [Int(oldPending.id), Int(oldFailed.id), Int(failed.id)])
        _ = oldProcessed
        #expect(try jsonObject(hubsync(["events", "prune", "--older-than", "90d", "--include-failed", "--json"]).output)["events"] as? Int == 2)
        #expect(try jsonArray(hubsync(["events", "list", "--json"]).output).map { $0["id"] as? Int } == [Int(failed.id)])
        #expect(try hubsync(["events", "prune", "--older-than", "soon"]).status == 64)
    }

    @Test func statsAsTextJSONAndPrometheus() throws {
        _ = try store("push", "{}", status: .processed)
        _ = try store("push", "{}", status: .failed, error: "x")
        let retrying = try store("issues", "{}", status: .failed, receivedAt: Timestamp.now().adding(seconds: -86_400 * 2), error: "y",
                                 retryAt: Timestamp.now().adding(seconds: 600))
        let pending = try store("issues", "{}", status: .pending, receivedAt: Timestamp.now().adding(seconds: -7200))
        let stats = try jsonObject(hubsync(["stats", "--json"]).output)
        let windows = try #require(stats["windows"] as? [String: [String: [String: Int]]])
        #expect(windows["1h"]?["by_status"] == ["pending": 0, "processed": 1, "failed": 1, "skipped": 0])
        #expect(windows["all"]?["by_status"]?["pending"] == 1 && windows["all"]?["by_event"] == ["issues": 2, "push": 2])
        #expect((stats["oldest_pending"] as? [String: Any])?["id"] as? Int == Int(pending.id))
        let age = try #require((stats["oldest_pending"] as? [String: Any])?["age_seconds"] as? Int)
        #expect(age >= 7200 && age < 7300)
        #expect(stats["retrying"] as? Int == 1 && stats["given_up"] as? Int == 1)
        let listed = try jsonArray(hubsync(["events", "list", "--status", "failed", "--json"]).output)
        #expect(listed.first { $0["id"] as? Int == Int(retrying.id) }?["state"] as? String == "retrying")
        #expect(listed.first { $0["id"] as? Int == Int(retrying.id) }?["next_attempt_at"] as? String != nil)
        #expect(try hubsync(["events", "list"]).output.contains("NEXT RETRY"))
        #expect((stats["database_bytes"] as? Int ?? 0) > 0)

        let metrics = try hubsync(["stats", "--prometheus"]).output.split(separator: "\n").map(String.init)
        #expect(metrics.contains("hubsync_events{window=\"all\",status=\"pending\"} 1"))
        #expect(metrics.contains("hubsync_events_by_event{window=\"24h\",event=\"push\"} 2"))
        #expect(metrics.contains("hubsync_events_retrying 1") && metrics.contains("hubsync_events_given_up 1"))
        #expect(metrics.contains { $0.hasPrefix("hubsync_oldest_pending_age_seconds 72") })
        // Every sample line is `name{labels} value` or `name value`, each metric announced by HELP and TYPE.
        for line in metrics where !line.hasPrefix("#") {
            let name = String(line.prefix { $0 != "{" && $0 != " " })
            #expect(metrics.contains { $0.hasPrefix("# TYPE \(name) gauge") }, "\(line)")
            #expect(Double(line.split(separator: " ").last ?? "") != nil, "\(line)")
        }
        #expect(try hubsync(["stats"]).output.contains("oldest pending:         event \(pending.id)"))
    }

    @Test func redeliverAsksOnceForEachFailedDeliveryThatIsNotStoredHere() throws {
        // 150 attempts over two pages: most succeeded; some failed and were redelivered successfully;
        // three failed only (one of which this database stored anyway); one is older than the window.
        let now = Timestamp.now()
        func at(_ minutesAgo: Int) -> String { now.adding(seconds: Int64(-60 * minutesAgo)).iso8601 }
        var attempts: [[String: Any]] = []
        var nextID = 1000
        func attempt(_ guid: String, _ minutesAgo: Int, ok: Bool, redelivery: Bool = false) {
            nextID += 1
            attempts.append(["id": nextID, "guid": guid, "delivered_at": at(minutesAgo), "redelivery": redelivery, "duration": 0.1,
                             "status": ok ? "OK" : "Invalid HTTP Response: 503", "status_code": ok ? 200 : 503, "event": "push",
                             "action": NSNull(), "installation_id": 1, "repository_id": 1296269])
        }
        for index in 0..<140 { attempt("ok-\(index)", index + 1, ok: true) }
        attempt("recovered", 300, ok: false); attempt("recovered", 200, ok: true, redelivery: true)
        attempt("lost-a", 400, ok: false); attempt("lost-a", 390, ok: false, redelivery: true)  // the newest attempt: 1144
        attempt("lost-b", 500, ok: false)                                                          // 1145
        attempt("stored-anyway", 600, ok: false)
        attempt("too-old", 60 * 30, ok: false)
        for index in 0..<3 { attempt("late-ok-\(index)", 700 + index, ok: true) }
        try fake.control(["hook_deliveries": attempts])
        _ = try hubsync(["init"])
        let stored = try TestDatabase.eventStore(in: directory)
        _ = try stored.insert([NewEvent(deliveryID: "stored-anyway", hookID: 1, event: "push", action: nil, installationID: 1,
                                        repository: nil, sender: nil, body: Array("{}".utf8), contentType: "application/json",
                                        targetType: nil, targetID: nil, receivedAt: .now())])

        let dry = try jsonObject(hubsync(["redeliver", "--dry-run", "--json"]).output)
        #expect(dry["attempts"] as? Int == 149 && dry["guids"] as? Int == 147)
        #expect((dry["redelivered"] as? [[String: Any]])?.map { $0["guid"] as? String } == ["lost-a", "lost-b"])
        #expect((try fake.stats()["redelivery_requests"] as? [Int]) == [])

        let real = try hubsync(["redeliver"])
        #expect(real.status == 0)
        #expect(real.output.contains("redelivered lost-a (push, attempt 1144)") && real.output.contains("redelivered lost-b (push, attempt 1145)"), "\(real.output)")
        #expect(real.output.contains("1 failed at GitHub but are stored here"))
        #expect((try fake.stats()["redelivery_requests"] as? [Int]) == [1144, 1145])
        // Both pages were read (cursor from the Link header), and the run again soon asks nothing.
        #expect(try fake.log().filter { ($0["outcome"] as? String)?.hasPrefix("ok (hook deliveries") == true }.count == 4)
        let again = try jsonObject(hubsync(["redeliver", "--json"]).output)
        #expect((again["redelivered"] as? [Any])?.isEmpty == true && again["asked_recently"] as? Int == 2)
        #expect((try fake.stats()["redelivery_requests"] as? [Int]) == [1144, 1145])
    }

    @Test func backupIsAConsistentPrivateCopyAndNeverOverwrites() throws {
        for index in 0..<3 { _ = try store("push", #"{"n":\#(index)}"#, status: .processed) }
        let copy = directory.path + "/copy.db"
        let result = try jsonObject(hubsync(["backup", copy, "--json"]).output)
        #expect(result["events"] as? Int == 3 && result["quick_check"] as? String == "ok")
        #expect(try mode(copy) == 0o600)
        #expect(try runProcess("/usr/bin/sqlite3", [copy, "SELECT group_concat(CAST(body AS TEXT), ' ') FROM deliveries"]).stdout
                == #"{"n":0} {"n":1} {"n":2}"# + "\n")
        let again = try hubsync(["backup", copy])
        #expect(again.status == 1 && again.error.contains("cannot create \(copy): File exists"))
    }
}
