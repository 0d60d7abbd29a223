import ArgumentParser
import Common

struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the installation, one line per check with ok / warn / fail and the fix. Exits 1 when anything fails.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Also ask GitHub (GET /app with the JWT): the App, its events, and the clock against GitHub's.") var online = false

    func run() throws {
        let configuration = try global.configuration()
        let now = Timestamp.now()
        var checks = DoctorChecks.appIdentity(configuration) + DoctorChecks.appKey(configuration, now: now)
        checks += DoctorChecks.keyFiles(configuration)
        let (databaseCheck, database) = DoctorChecks.database(configuration)
        checks.append(databaseCheck)
        let stored = (try? database.map { try WebhookSecretStore(database: $0).active().count }) ?? nil
        checks.append(DoctorChecks.webhookSecret(configuration, storedSecrets: stored ?? 0))
        let newest = (try? database.flatMap { try EventQueries(database: $0).newestReceivedAt() }) ?? nil
        checks.append(DoctorChecks.clock(now: now, newestDelivery: newest))
        checks.append(DoctorChecks.console(configuration))
        if online { checks += DoctorChecks.online(configuration, now: now) }

        if global.json {
            printJSON(checks.map { ["check": .string($0.name), "status": .string($0.status.rawValue), "detail": .string($0.detail),
                                    "fix": json($0.fix)] })
        } else {
            for check in checks {
                print("\(check.status.rawValue.padding(5))\(check.name): \(check.detail)" + (check.fix.map { "\n     fix: \($0)" } ?? ""))
            }
        }
        if checks.contains(where: { $0.status == .fail }) { throw ExitCode.failure }
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}
