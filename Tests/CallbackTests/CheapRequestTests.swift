import Foundation
import Testing
@testable import Callback
@testable import Common

/// Issue 14, point 6: requests anyone can send cheaply must not each cost a call to GitHub.
@Suite(.serialized) struct CheapRequestTests {
    func responder(_ fake: FakeGitHub, directory: TemporaryDirectory) throws -> CallbackResponder {
        var variables = fake.environment
        variables["HUBSYNC_DB"] = TestDatabase.location(in: directory, name: "h.db")
        variables["HUBSYNC_KEY_FILE"] = directory.path + "/h.key"
        variables["GITHUB_APP_SLUG"] = nil
        let configuration = try Configuration(variables: variables)
        #expect(configuration.appSlug == nil)
        return CallbackResponder(services: try CallbackServices(configuration: configuration, logger: Logger(program: "test", minimumLevel: .error)))
    }

    @Test func theInstallLinkAsksGitHubForTheSlugOnceNotPerRequest() throws {
        let fake = try FakeGitHub()
        let directory = try TemporaryDirectory()
        let responder = try responder(fake, directory: directory)
        for _ in 0..<20 {
            let reply = responder.respond(HTTPRequest(method: "GET", path: "/github/install", headers: [:], body: []))
            #expect(reply.response.status == 302)
            #expect(reply.response.headers.contains { $0.0 == "Location" && $0.1.contains("/apps/pulser-hub-sync-test/installations/new?state=") })
        }
        #expect(try fake.log().filter { $0["path"] as? String == "/app" }.count == 1)
    }

    @Test func aFailedSlugLookupIsNotRepeatedForEveryRequest() throws {
        let fake = try FakeGitHub()
        let directory = try TemporaryDirectory()
        let responder = try responder(fake, directory: directory)
        try fake.control(["mode": "ratelimit"])
        for _ in 0..<10 {
            #expect(responder.respond(HTTPRequest(method: "GET", path: "/github/install", headers: [:], body: [])).response.status >= 500)
        }
        #expect(try fake.log().filter { $0["path"] as? String == "/app" }.count == 1)
    }
}
