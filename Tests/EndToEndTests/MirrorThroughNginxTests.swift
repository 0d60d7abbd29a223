import Foundation
import Testing
import TestSupport

/// The mirror filled by deliveries through nginx and the real workers, in an order GitHub may use.
@Suite(.serialized) struct MirrorThroughNginxTests {
    @Test func deliveriesOutOfOrderLeaveTheLatestState() throws {
        let stack = try TestStack(name: "mirror")
        let closed = try Paths.payload("pull_request/closed.payload.json")
        let opened = try Paths.payload("pull_request/opened.payload.json")
        let completed = try Paths.payload("workflow_run/completed.payload.json")
        let push = try Paths.payload("push/payload.json")
        // closed (2019-05-15T15:21:18Z) before opened (15:20:33Z): the late opened must not win.
        for (event, body) in [("pull_request", closed), ("pull_request", opened), ("workflow_run", completed), ("push", push)] {
            #expect(try stack.deliver(event: event, body: body).status == 200)
        }
        #expect(try eventually { try stack.sql("SELECT count(*) FROM events WHERE status = 'processed'") == "4" })
        #expect(try stack.sql("SELECT number, state, merged, updated_at FROM pull_requests") == "2|closed|0|2019-05-15T15:21:18.000Z")
        #expect(try stack.sql("SELECT conclusion, run_attempt FROM workflow_runs") == "success|1")
        #expect(try stack.sql("SELECT last_push_ref FROM repositories") == "refs/tags/simple-tag")
        #expect(try stack.sql("SELECT count(*) FROM pushes") == "1")
    }
}
