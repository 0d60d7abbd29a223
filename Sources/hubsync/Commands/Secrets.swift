import ArgumentParser
import Common
import Glibc
import Webhooks

struct Secret: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret",
        abstract: "Webhook secrets: stored sealed; the primary and the previous one are both accepted, so rotation loses no delivery.",
        subcommands: [List.self, Set.self, Rotate.self, Retire.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fingerprints, states, dates and how many deliveries each secret verified; never a value.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let configuration = try global.configuration()
            let key = try? KeyFile.existingSecretsKey(configuration)
            let store = WebhookSecretStore(database: try Database(configuration: configuration))
            let counts = try store.verifiedCounts()
            var rows: [JSONValue] = try store.all().map { secret in
                ["fingerprint": .string(secret.fingerprint), "state": .string(secret.state.rawValue), "origin": .string(secret.origin),
                 "created_at": .string(secret.createdAt), "retired_at": json(secret.retiredAt),
                 "deliveries": .int(Int64(counts[secret.fingerprint]?.count ?? 0)), "last_verified_at": json(counts[secret.fingerprint]?.last)]
            }
            for (variable, value) in zip(configuration.webhookSecretVariables, configuration.webhookSecrets) {
                let fingerprint = key.map { SecretFingerprint.of(value, key: $0) }
                rows.append(["fingerprint": json(fingerprint), "state": "active", "origin": .string(variable), "created_at": .null,
                             "retired_at": .null, "deliveries": .int(Int64(fingerprint.flatMap { counts[$0]?.count } ?? 0)),
                             "last_verified_at": json(fingerprint.flatMap { counts[$0]?.last })])
            }
            if global.json {
                printJSON(rows)
            } else {
                print(textTable(["FINGERPRINT", "STATE", "ORIGIN", "CREATED", "RETIRED", "DELIVERIES", "LAST VERIFIED"], rows.map { row in
                    ["fingerprint", "state", "origin", "created_at", "retired_at", "deliveries", "last_verified_at"].map { name in
                        switch row[name] {
                        case .string(let text)?: name.hasSuffix("_at") ? String(text.prefix(16)) : text
                        case .null?, nil: "-"
                        case let other?: other.jsonText
                        }
                    }
                }))
            }
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store the secret read from standard input (never from the command line) as the primary one.",
            discussion: "For a secret entered by hand in the App's settings: printf %s \"$SECRET\" | hubsync secret set")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Retire the previous secret even if it verified a delivery in the last day.") var force = false

        func run() throws {
            var bytes = readStandardInput()
            if bytes.last == 0x0A { bytes.removeLast() }
            if bytes.last == 0x0D { bytes.removeLast() }
            guard !bytes.isEmpty else { throw CommandFailure("no secret on standard input") }
            guard bytes.count >= WebhookSecretPolicy.minimumBytes else {
                throw CommandFailure("a secret of \(bytes.count) bytes can be guessed; use at least \(WebhookSecretPolicy.minimumBytes) "
                                     + "(\(WebhookSecretPolicy.recommendedBytes) or more recommended): \(WebhookSecretPolicy.howToRotate)")
            }
            let (fingerprint, retired) = try secretStore(global).add(bytes, origin: "set", force: force)
            reportAdded(global, fingerprint, retired, [:])
            if bytes.count < WebhookSecretPolicy.recommendedBytes && !global.json {
                printProgress("warning: prefer a secret of \(WebhookSecretPolicy.recommendedBytes) bytes or more (hubsync secret rotate)", json: true)
            }
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a new secret that becomes primary while the old one stays valid.",
            discussion: """
                With --github the new secret is stored as the previous one (accepted, not yet used), then set as the App's \
                webhook secret (PATCH /app/hook/config with the App JWT), and only once GitHub took it does it become the \
                primary: a failed update leaves the secret GitHub signs with untouched. Then `hubsync secret retire` drops \
                the old one. Without --github the new value is printed once, to be entered in the App's settings. Either \
                way the secret before the current one is retired, unless it verified a delivery in the last day (--force).
                """)
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Also set it as the App's webhook secret on GitHub.") var github = false
        @Flag(help: "Retire the previous secret even if it verified a delivery in the last day.") var force = false

        func run() throws {
            let secret = lowercaseHex(try randomBytes(32))
            let configuration = try global.configuration()
            let store = try secretStore(global)
            guard github else {
                let (fingerprint, retired) = try store.add(Array(secret.utf8), origin: "rotate", force: force)
                reportAdded(global, fingerprint, retired, ["secret": .string(secret)])
                if !global.json { print("enter this as the App's webhook secret on GitHub (it is not shown again):\n\(secret)") }
                return
            }
            let context = try global.gitHub()
            let (fingerprint, retired) = try store.add(Array(secret.utf8), origin: "rotate --github", asPrimary: false, force: force)
            // Every worker reads the secrets again on a mismatch at most once a second; waiting longer
            // than that before GitHub signs with the new one means its first delivery finds it.
            usleep(UInt32(WebhookSecretCache.mismatchReloadSpacingMicroseconds) + 500_000)
            do {
                let jwt = try AppJWT.make(configuration: configuration, now: .now())
                _ = try context.client.rest("PATCH", "/app/hook/config", credential: .bearer(jwt), json: ["secret": .string(secret)])
            } catch {
                throw CommandFailure("GitHub refused the new secret \(fingerprint): \(error). GitHub still signs with the primary "
                                     + "secret, which is unchanged; the new one is accepted too. Run hubsync secret rotate --github again")
            }
            try store.promote(fingerprint)
            reportAdded(global, fingerprint, retired, ["github": .bool(true)])
            if !global.json { print("GitHub now signs deliveries with \(fingerprint); once none arrive signed with the old one, run hubsync secret retire") }
        }
    }

    struct Retire: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drop the previous secret: deliveries signed with it are refused from now on.",
            discussion: "Refused while the previous secret verified a delivery in the last day (GitHub may still sign with it), unless --force.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Retire it even if it verified a delivery in the last day.") var force = false

        func run() throws {
            guard let fingerprint = try secretStore(global).retirePrevious(force: force) else { throw CommandFailure("there is no previous secret to retire") }
            if global.json {
                print(JSONValue(dictionaryLiteral: ("retired", .string(fingerprint))).jsonText)
            } else {
                print("retired \(fingerprint); its value is destroyed (webhook-fcgi stops accepting it within 5 s)")
            }
        }
    }
}

private func secretStore(_ global: GlobalOptions) throws -> WebhookSecretStore {
    let configuration = try global.configuration()
    return WebhookSecretStore(database: try Database(configuration: configuration), key: try KeyFile.secretsKey(configuration))
}

private func reportAdded(_ global: GlobalOptions, _ fingerprint: String, _ retired: String?, _ extra: [String: JSONValue]) {
    if global.json {
        var members: [(key: String, value: JSONValue)] = [("primary", .string(fingerprint)), ("retired", json(retired))]
        members += extra.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        print(JSONValue.object(JSONObject(members)).jsonText)
    } else {
        print("new primary secret \(fingerprint); the previous one stays valid until hubsync secret retire")
        if let retired { print("retired the secret before it: \(retired)") }
    }
}

func readStandardInput() -> [UInt8] {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(STDIN_FILENO, &buffer, buffer.count)
        if count <= 0 { return bytes }
        bytes += buffer[0..<count]
    }
}
