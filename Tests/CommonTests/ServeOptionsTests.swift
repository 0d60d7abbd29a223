import Testing
@testable import Common

@Suite struct ServeOptionsTests {
    @Test func socketAddresses() {
        #expect(SocketAddress("/run/pulser-hub-sync/webhook.sock") == .unix(path: "/run/pulser-hub-sync/webhook.sock"))
        #expect(SocketAddress("var/run/webhook.sock") == .unix(path: "var/run/webhook.sock"))
        #expect(SocketAddress("webhook.sock") == .unix(path: "webhook.sock"))
        #expect(SocketAddress("127.0.0.1:9000") == .tcp(host: "127.0.0.1", port: 9000))
        #expect(SocketAddress("localhost:9000") == .tcp(host: "127.0.0.1", port: 9000))
        #expect(SocketAddress("127.0.0.1:0") == nil)
        #expect(SocketAddress("127.0.0.1:99999") == nil)
        #expect(SocketAddress("example.com:80") == nil)
        #expect(SocketAddress("") == nil)
    }

    @Test func parsesTheSharedCommandLine() throws {
        let options = try ServeOptions.parse(["--socket", "/tmp/w.sock", "--workers", "3", "--socket-mode", "0600",
                                              "--socket-group", "www-data", "--bench-trivial"],
                                             programFlags: ["--bench-trivial"])
        #expect(options.socket == .unix(path: "/tmp/w.sock"))
        #expect(options.workers == 3)
        #expect(options.socketMode == 0o600)
        #expect(options.socketGroup == "www-data")
        #expect(options.programArguments == ["--bench-trivial"])
        // --workers alone: one per core.
        #expect(try ServeOptions.parse(["--socket", "/tmp/w.sock", "--workers"], programFlags: []).workers ?? 0 >= 1)
    }

    @Test(arguments: [
        (["--workers", "2"], ServeOptionsError.workersWithoutSocket),
        (["--socket"], ServeOptionsError.missingValue("--socket")),
        (["--socket", "/tmp/x", "--workers", "0"], ServeOptionsError.invalid("--workers", "0", "a number from 1 to 256")),
        (["--socket-mode", "999"], ServeOptionsError.invalid("--socket-mode", "999", "an octal mode such as 0660")),
        (["--frobnicate"], ServeOptionsError.unknown("--frobnicate")),
    ])
    func refusesBadCommandLines(arguments: [String], expected: ServeOptionsError) {
        #expect(throws: expected) { try ServeOptions.parse(arguments, programFlags: []) }
    }
}
