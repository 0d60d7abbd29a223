import Testing
@testable import Common
@testable import Webhooks

@Suite struct PingMirrorTests {
    /// The three shapes (docs/github-protocol.md, section 5): repository hook, organization hook, and the
    /// example with an App id.
    @Test(arguments: ["ping/payload.json", "ping/with-organization.payload.json", "ping/with-app_id.payload.json"])
    func everyShapeRecordsItsHook(file: String) throws {
        let body = try examplePayload(file)
        let root = try JSONDocument(parsing: body).root
        let hookID = try #require(root["hook_id"]?.int64Value)
        let hook = try mirrorAfterDelivering(event: "ping", [body]) { try $0.hook(id: hookID) }
        #expect(hook?.hookType == root["hook"]["type"]?.stringValue)
        #expect(hook?.appID == root["hook"]["app_id"]?.int64Value)
        #expect(hook?.events?.isEmpty == false)
    }

    @Test func anAppHooksPingWithOnlyZenHookIDAndHook() throws {
        let body = Array(#"{"zen":"Keep it simple.","hook_id":77,"hook":{"type":"App","id":77,"app_id":4242,"events":["push"]}}"#.utf8)
        let hook = try mirrorAfterDelivering(event: "ping", [body]) { try $0.hook(id: 77) }
        #expect(hook == HookRecord(hookID: 77, hookType: "App", appID: 4242, events: ["push"]))
    }
}
