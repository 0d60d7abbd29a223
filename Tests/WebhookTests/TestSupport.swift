import Glibc
@_exported import TestSupport
@testable import Common
@testable import Webhooks

/// GitHub's example bodies, kept in the repository (Tests/Fixtures/payloads/README.md).
let payloadsDirectory: String = {
    let testFile = #filePath  // <repo>/Tests/WebhookTests/TestSupport.swift
    let repository = testFile.split(separator: "/").dropLast(3).joined(separator: "/")
    return "/" + repository + "/Tests/Fixtures/payloads"
}()

func examplePayload(_ relativePath: String) throws -> [UInt8] {
    try readBytes(payloadsDirectory + "/" + relativePath)
}

let testSecret = "It's a Secret to Everybody"

/// Services over a real store (a SQLite file in `directory`, or a PostgreSQL database: TestDatabase), with a fixed clock. Actions come from
/// `directory/actions.d` (absent unless a test writes it) and are sealed with `directory/hubsync.key`.
func makeServices(in directory: TemporaryDirectory, secrets: [String] = [testSecret], databasePath: String? = nil) -> Services {
    var configuration = Configuration(
        webhookSecrets: secrets.map { Array($0.utf8) }, databasePath: databasePath ?? TestDatabase.location(in: directory),
        busyTimeoutMilliseconds: 200, keyFilePath: directory.path + "/hubsync.key")
    configuration.actionsDirectory = directory.path + "/actions.d"
    return Services(configuration: configuration, logger: Logger(program: "test", minimumLevel: .error),
                    now: { Timestamp(microsecondsSinceEpoch: 1_764_151_977_000_000) })
}

/// A delivery as GitHub sends it, signed with `secret` over the exact body.
func delivery(event: String, body: [UInt8], id: String = "72d3162e-cc78-11e3-81ab-4c9367dc0958",
              secret: String = testSecret, contentType: String = "application/json",
              path: String = "/github/webhook", method: String = "POST",
              extraHeaders: [String: String] = [:]) -> HTTPRequest {
    var headers = [
        "content-type": contentType, "x-github-event": event, "x-github-delivery": id, "x-github-hook-id": "4242",
        "x-hub-signature-256": HubSignature.header(for: body, secret: Array(secret.utf8)),
        "user-agent": "GitHub-Hookshot/044aadd",
    ]
    headers.merge(extraHeaders, uniquingKeysWith: { _, new in new })
    return HTTPRequest(method: method, path: path, headers: headers, body: body)
}

func bodyJSON(_ response: HTTPResponse) -> JSONValue? { try? JSONParser.parse(response.body) }

/// The store as another process would read it, once everything queued has been committed.
func committedStore(_ services: Services) throws -> EventStore {
    services.writer.flush()
    return try EventStore(database: Database(configuration: services.configuration))
}

/// A payload written as a literal, parsed by the real parser.
func parsed(_ value: JSONValue) -> JSONNode {
    try! JSONDocument(parsing: Array(value.jsonText.utf8)).root
}

/// Receives `bodies` of `event` in this order through the intake (each its own delivery), handles
/// each, and reads the mirror once everything is committed.
func mirrorAfterDelivering<T>(event: String, _ bodies: [[UInt8]], read: (MirrorStore) throws -> T) throws -> T {
    try databaseAfterDelivering(event: event, bodies) { database in try read(MirrorStore(connection: database.connection)) }
}

/// The same, reading through the whole database; `prepare` runs first (e.g. the callback's record).
func databaseAfterDelivering<T>(event: String, _ bodies: [[UInt8]], prepare: (Database) throws -> Void = { _ in },
                                read: (Database) throws -> T) throws -> T {
    let directory = try TemporaryDirectory()
    let services = makeServices(in: directory)
    try prepare(Database(configuration: services.configuration))
    let intake = WebhookIntake(services: services)
    for (index, body) in bodies.enumerated() {
        let receipt = try intake.receive(delivery(event: event, body: body, id: "d-\(index)-\(body.hashValue)"))
        if let work = receipt.eventToProcess { EventProcessor(services: services).process(id: work.id, work.event) }
    }
    return try read(committedStore(services).database)
}
