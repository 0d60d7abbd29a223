import Common
import GitHub
import Glibc
import Webhooks

/// One line of `hubsync doctor`: the original module's troubleshooting guide as a check.
struct Check {
    enum Status: String { case ok, warn, fail }
    var name: String
    var status: Status
    var detail: String
    /// What to do about it, for warn and fail.
    var fix: String?

    static func ok(_ name: String, _ detail: String) -> Check { Check(name: name, status: .ok, detail: detail) }
    static func warn(_ name: String, _ detail: String, fix: String) -> Check { Check(name: name, status: .warn, detail: detail, fix: fix) }
    static func fail(_ name: String, _ detail: String, fix: String) -> Check { Check(name: name, status: .fail, detail: detail, fix: fix) }
}

/// The checks, each independent of the others' outcome where it can be.
enum DoctorChecks {
    /// The App's private key: set, present, private, RSA of 2048 bits or more, and able to sign a JWT.
    static func appKey(_ configuration: Configuration, now: Timestamp) -> [Check] {
        guard let path = configuration.appPrivateKeyPath else {
            return [.fail("app key", "GITHUB_APP_PEM_PATH is not set",
                          fix: "download a private key from the App's settings page and set GITHUB_APP_PEM_PATH to its path")]
        }
        var info = stat()
        guard stat(path, &info) == 0 else {
            return [.fail("app key", "\(path): \(String(cString: strerror(errno)))", fix: "check GITHUB_APP_PEM_PATH; the file must exist")]
        }
        var checks = [privateFileMode("app key mode", path)]
        do {
            let key = try AppPrivateKey(path: path)
            checks.append(key.bits >= 2048 ? .ok("app key type", "RSA, \(key.bits) bits")
                                            : .fail("app key type", "RSA, \(key.bits) bits", fix: "generate a new key in the App's settings"))
            _ = try AppJWT.make(configuration: configuration, now: now)
            checks.append(.ok("app jwt", "a JWT signs for issuer \(configuration.appClientID ?? configuration.appID ?? "?")"))
        } catch {
            checks.append(.fail("app key type", "\(error)", fix: "use the unencrypted PEM file GitHub hands out (BEGIN RSA PRIVATE KEY)"))
        }
        return checks
    }

    static func appIdentity(_ configuration: Configuration) -> [Check] {
        var checks: [Check] = []
        checks.append(configuration.appID.map { .ok("app id", "GITHUB_APP_ID=\($0)") }
            ?? .fail("app id", "GITHUB_APP_ID is not set", fix: "set GITHUB_APP_ID to the App ID shown on the App's settings page"))
        checks.append(configuration.appClientID.map { .ok("client id", "GITHUB_APP_CLIENT_ID=\($0)") }
            ?? .fail("client id", "GITHUB_APP_CLIENT_ID is not set", fix: "set GITHUB_APP_CLIENT_ID to the Client ID shown on the App's settings page"))
        checks += clientSecret(configuration)
        return checks
    }

    /// The client secret: set, and where webhook-fcgi cannot read it. hubsync.env is read by every
    /// program, so a value there is one more key of the App in the receiver's reach.
    static func clientSecret(_ configuration: Configuration) -> [Check] {
        if let path = configuration.appClientSecretPath {
            do {
                _ = try configuration.clientSecret()
            } catch {
                return [.fail("client secret", error.description, fix: "write the client secret into \(path) (one line), owned by this user")]
            }
            return [.ok("client secret", "GITHUB_APP_CLIENT_SECRET_PATH=\(path)"), privateFileMode("client secret mode", path)]
        }
        if configuration.appClientSecret != nil {
            return [.warn("client secret", "GITHUB_APP_CLIENT_SECRET is a value, in hubsync.env or the environment, which webhook-fcgi reads too",
                          fix: "move it to a file of mode 0600 owned by this user and set GITHUB_APP_CLIENT_SECRET_PATH to it instead")]
        }
        return [.warn("client secret", "neither GITHUB_APP_CLIENT_SECRET_PATH nor GITHUB_APP_CLIENT_SECRET is set: the installation callback cannot sign users in",
                      fix: "generate a client secret in the App's settings, write it to a file of mode 0600 and set GITHUB_APP_CLIENT_SECRET_PATH")]
    }

    /// A file only its owner may read: the App's key, the client secret, the token key. webhook-fcgi
    /// runs in the service's group, so group read is as bad as world read here.
    static func privateFileMode(_ name: String, _ path: String) -> Check {
        var info = stat()
        guard stat(path, &info) == 0 else { return .fail(name, "\(path): \(String(cString: strerror(errno)))", fix: "check the path") }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            return .fail(name, "\(path) has mode \(String(mode, radix: 8)); group or others can read it (webhook-fcgi runs in the group)",
                         fix: "chmod 600 \(path)")
        }
        return .ok(name, "\(path) has mode \(String(mode, radix: 8))")
    }

    static func keyFiles(_ configuration: Configuration) -> [Check] {
        var checks: [Check] = []
        do {
            _ = try KeyFile.existingSecretsKey(configuration)
            checks.append(.ok("key file", "\(configuration.keyFilePath) holds a key; only the service's group may read it"))
        } catch .keyFileMissing {
            checks.append(.fail("key file", "\(configuration.keyFilePath) does not exist", fix: "run hubsync init"))
        } catch {
            checks.append(.fail("key file", error.description, fix: "chmod 640 \(configuration.keyFilePath), or check HUBSYNC_KEY_FILE"))
        }
        do {
            _ = try KeyFile.existingTokenKey(configuration)
            checks.append(.ok("token key file", "\(configuration.tokenKeyFilePath) holds a key and is private"))
        } catch .keyFileMissing {
            checks.append(.fail("token key file", "\(configuration.tokenKeyFilePath) does not exist", fix: "run hubsync init"))
        } catch {
            checks.append(.fail("token key file", error.description,
                                fix: "chmod 600 \(configuration.tokenKeyFilePath), or check HUBSYNC_TOKEN_KEY_FILE"))
        }
        return checks
    }

    /// The database opens, migrates and passes `quick_check`; returns it for the checks that follow.
    static func database(_ configuration: Configuration) -> (Check, Database?) {
        do {
            let database = try Database(configuration: configuration)
            let (isSound, detail) = try database.integrityCheck()
            guard isSound else {
                return (.fail("database", detail, fix: "restore from a backup, or recover with sqlite3 .recover into a new file"), database)
            }
            return (.ok("database", "\(configuration.databasePath): schema \(try database.schemaVersion()), \(detail)"), database)
        } catch {
            return (.fail("database", "\(configuration.databasePath): \(error)",
                          fix: "check HUBSYNC_DB and that this user can write the file and its directory; run hubsync init"), nil)
        }
    }

    static func webhookSecret(_ configuration: Configuration, storedSecrets: Int) -> Check {
        let fromEnvironment = configuration.webhookSecrets.count
        guard fromEnvironment + storedSecrets > 0 else {
            return .fail("webhook secret", "none is configured: webhook-fcgi answers 503 to every delivery",
                         fix: "run `hubsync secret rotate --github` or `hubsync secret set`, or set GITHUB_WEBHOOK_SECRET")
        }
        if let weak = WebhookSecretPolicy.secrets(shorterThan: WebhookSecretPolicy.recommendedBytes, in: configuration).first {
            return .fail("webhook secret", "\(weak.variable) has \(weak.length) bytes; a secret this short can be guessed",
                         fix: "use at least \(WebhookSecretPolicy.recommendedBytes) bytes: \(WebhookSecretPolicy.howToRotate)")
        }
        if storedSecrets > 0, let variable = configuration.webhookSecretVariables.first {
            return .warn("webhook secret", "\(variable) is still accepted beside the \(storedSecrets) stored secret(s) of `hubsync secret`",
                         fix: "once `hubsync secret list` shows GitHub signing with the stored primary, remove \(configuration.webhookSecretVariables.joined(separator: " and ")) from hubsync.env and restart")
        }
        return .ok("webhook secret", "\(storedSecrets) stored, \(fromEnvironment) from the environment")
    }

    /// The clock: later than this program's own build year, and not behind the newest delivery.
    static func clock(now: Timestamp, newestDelivery: Timestamp?) -> Check {
        if now < Timestamp(iso8601: "2026-01-01T00:00:00Z")! {
            return .fail("clock", "the system clock reads \(now.iso8601)", fix: "enable time synchronization (systemd-timesyncd or chrony)")
        }
        if let newestDelivery, now.adding(seconds: 60) < newestDelivery {
            return .fail("clock", "the system clock reads \(now.iso8601), before the newest delivery (\(newestDelivery.iso8601))",
                         fix: "enable time synchronization (systemd-timesyncd or chrony)")
        }
        return .ok("clock", now.iso8601)
    }

    /// `GET /app` with the JWT: the App GitHub knows, the events it subscribes to, and the clock
    /// against GitHub's `Date` header (a JWT with `iat` in GitHub's future is refused).
    /// Who may enter the console, and the callback URL the App's settings must list for it
    /// (GitHub's API does not show an App's callback URLs, so no check can read them back).
    static func console(_ configuration: Configuration) -> Check {
        let callback = (configuration.publicURL ?? "https://<this server>") + "/github/admin/callback"
        guard !configuration.admins.isEmpty || !configuration.adminTeams.isEmpty else {
            return .warn("console", "HUBSYNC_ADMINS and HUBSYNC_ADMIN_TEAMS are empty: no one may enter the console",
                         fix: "set HUBSYNC_ADMINS to GitHub logins (comma-separated) and add \(callback) to the App's callback URLs")
        }
        let who = configuration.admins.sorted() + configuration.adminTeams.map { "team \($0)" }
        return .ok("console", "open to \(who.joined(separator: ", ")); the App's callback URLs must list \(callback)"
                   + (configuration.publicURL == nil ? " (set HUBSYNC_PUBLIC_URL to name the host)" : ""))
    }

    static func online(_ configuration: Configuration, now: Timestamp) -> [Check] {
        do {
            let client = try GitHubClient(configuration: configuration)
            let jwt = try AppJWT.make(configuration: configuration, now: now)
            let response = try client.rest("GET", "/app", credential: .bearer(jwt))
            guard let app = response.json else { return [.fail("github", "GET /app answered no JSON", fix: "check GITHUB_API_URL")] }
            let subscribed = Set((app["events"]?.arrayValue ?? []).compactMap(\.stringValue))
            var checks: [Check] = [.ok("github app", "\(app["slug"]?.stringValue ?? "?") (id \(app["id"]?.numberText ?? "?")), owner "
                                       + "\(app["owner"]["login"]?.stringValue ?? app["owner"]["slug"]?.stringValue ?? "?"), events: "
                                       + (subscribed.isEmpty ? "none" : subscribed.sorted().joined(separator: ", ")))]
            // Every App receives installation events, and ping; the others need a subscription.
            let missing = Set(eventHandlers.keys).subtracting(["ping", "installation", "installation_repositories"]).subtracting(subscribed)
            if !missing.isEmpty {
                checks.append(.warn("github events", "handled but not subscribed: \(missing.sorted().joined(separator: ", "))",
                                    fix: "tick them under Permissions & events > Subscribe to events in the App's settings"))
            }
            // Team membership is read with the signing-in user's token, within the App's permissions.
            if !configuration.adminTeams.isEmpty {
                let members = app["permissions"]["members"]?.stringValue
                checks.append(members != nil ? .ok("console teams", "the App may read organization members (\(members!))")
                                             : .fail("console teams", "HUBSYNC_ADMIN_TEAMS is set but the App has no Members permission: no team member can sign in",
                                                     fix: "grant Organization permissions > Members: Read-only in the App's settings (installations must accept it)"))
            }
            if let date = response.headers["date"].flatMap(httpDate) {
                let skew = abs(date.secondsSinceEpoch - now.secondsSinceEpoch)
                checks.append(skew <= 30 ? .ok("clock vs github", "\(skew) s apart")
                                         : .fail("clock vs github", "\(skew) s apart from GitHub's clock",
                                                 fix: "enable time synchronization; GitHub refuses JWTs issued in its future"))
            }
            return checks
        } catch {
            return [.fail("github", "\(error)", fix: "check GITHUB_API_URL, GITHUB_APP_ID/GITHUB_APP_CLIENT_ID and the key")]
        }
    }
}

/// An HTTP date (`Thu, 26 Nov 2026 12:00:00 GMT`, RFC 9110's preferred form).
func httpDate(_ text: String) -> Timestamp? {
    let parts = text.split(separator: " ")
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    guard parts.count == 6, let month = months.firstIndex(of: String(parts[2])), parts[1].count == 2 else { return nil }
    return Timestamp(iso8601: "\(parts[3])-\(month < 9 ? "0" : "")\(month + 1)-\(parts[1])T\(parts[4])Z")
}
