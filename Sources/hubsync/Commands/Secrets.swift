import ArgumentParser
import Common
import Glibc

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
            let key = try? KeyFile.load(path: configuration.keyFilePath)
            let store = WebhookSecretStore(database: try Database(configuration: configuration))
            let counts = try store.verifiedCounts()
            var rows: [JSONValue] = try store.all().map { secret in
                ["fingerprint": .string(secret.fingerprint), "state": .string(secret.state.rawValue), "origin": .string(secret.origin),
                 "created_at": .string(secret.createdAt), "retired_at": json(secret.retiredAt),
                 "deliveries": .int(Int64(counts[secret.fingerprint]?.count ?? 0)), "last_verified_at": json(counts[secret.fingerprint]?.last)]
            }
            for value in configuration.webhookSecrets {
                let fingerprint = key.map { SecretFingerprint.of(value, key: $0) }
                rows.append(["fingerprint": json(fingerprint), "state": "active", "origin": "GITHUB_WEBHOOK_SECRET", "created_at": .null,
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

        func run() throws {
            var bytes = readStandardInput()
            if bytes.last == 0x0A { bytes.removeLast() }
            if bytes.last == 0x0D { bytes.removeLast() }
            guard !bytes.isEmpty else { throw CommandFailure("no secret on standard input") }
            let (fingerprint, retired) = try secretStore(global).add(bytes, origin: "set")
            reportAdded(global, fingerprint, retired, [:])
            if bytes.count < 20 && !global.json { printProgress("warning: a secret this short can be guessed; prefer hubsync secret rotate", json: true) }
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a new secret that becomes primary while the old one stays valid.",
            discussion: """
                With --github it is also set as the App's webhook secret (PATCH /app/hook/config with the App JWT), \
                after it is stored here, so no delivery is refused; then `hubsync secret retire` drops the old one. \
                Without --github the new value is printed once, to be entered in the App's settings.
                """)
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Also set it as the App's webhook secret on GitHub.") var github = false

        func run() throws {
            let secret = lowercaseHex(try randomBytes(32))
            let configuration = try global.configuration()
            let store = try secretStore(global)
            let (fingerprint, retired) = try store.add(Array(secret.utf8), origin: github ? "rotate --github" : "rotate")
            guard github else {
                reportAdded(global, fingerprint, retired, ["secret": .string(secret)])
                if !global.json { print("enter this as the App's webhook secret on GitHub (it is not shown again):\n\(secret)") }
                return
            }
            let context = try global.gitHub()
            do {
                let jwt = try AppJWT.make(configuration: configuration, now: .now())
                _ = try context.client.rest("PATCH", "/app/hook/config", credential: .bearer(jwt), json: ["secret": .string(secret)])
            } catch {
                throw CommandFailure("stored the new secret \(fingerprint) (both secrets are accepted), but GitHub refused it: \(error); "
                                     + "run hubsync secret rotate --github again, or enter a secret by hand")
            }
            reportAdded(global, fingerprint, retired, ["github": .bool(true)])
            if !global.json { print("GitHub now signs deliveries with \(fingerprint); once none arrive signed with the old one, run hubsync secret retire") }
        }
    }

    struct Retire: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Drop the previous secret: deliveries signed with it are refused from now on.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            guard let fingerprint = try secretStore(global).retirePrevious() else { throw CommandFailure("there is no previous secret to retire") }
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
    return WebhookSecretStore(database: try Database(configuration: configuration), key: try KeyFile.loadOrCreate(path: configuration.keyFilePath))
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
