import Foundation
import Testing
@testable import Common
@testable import Webhooks

/// The README's "Adding custom event handlers" example is ReadmeExample.swift, compiled here.
@Suite struct ReadmeExampleTests {
    @Test func theReadmeShowsTheCompiledExample() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: repository.appendingPathComponent("README.md"), encoding: .utf8)
        let file = try String(contentsOf: repository.appendingPathComponent("Tests/WebhookTests/ReadmeExample.swift"), encoding: .utf8)
        let marker = "// README example begins\n"
        let example = try #require(file.range(of: marker).map { String(file[$0.upperBound...]) })
        #expect(example.hasPrefix("/// `star`"))
        #expect(readme.contains("import Common\n\n" + example + "```"))
    }

    @Test func theExampleHandlerWorks() throws {
        let payload = parsed(["action": "created", "repository": ["full_name": "octo/hello", "stargazers_count": 42],
                              "sender": ["login": "hubot"]])
        let result = try handleStar(WebhookEvent(name: "star", deliveryID: "d", payload: payload))
        #expect(result.summary == ["repository": "octo/hello", "action": "created", "by": "hubot", "stargazers": 42])
        #expect(throws: HandlerError.missingField("repository.full_name")) {
            try handleStar(WebhookEvent(name: "star", deliveryID: "d", payload: parsed(["action": "created"])))
        }
    }
}
