import Foundation

/// A real headless Chromium (Debian's `chromium`), driven through Tests/Browser/browser.py over
/// the DevTools protocol: the tests go where a person's browser goes, redirects, cookies, meta
/// refreshes and the pages' Content-Security-Policy included.
public final class HeadlessChromium {
    /// Where a navigation ended: the address, the HTTP status of that document, its title.
    public struct Page: Sendable {
        public var url: String
        public var status: Int?
        public var title: String
    }

    private let process: SpawnedProcess
    private let commands: Int32

    public init() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        var input: [Int32] = [-1, -1]
        guard closeOnExecPipe(&input) else { throw FileError(description: "pipe failed") }
        defer { close(input[0]) }
        process = try SpawnedProcess("/usr/bin/env", ["python3", repository + "/Tests/Browser/browser.py"], stdin: input[0])
        commands = input[1]
        let ready = process.readLine()
        guard ready == "READY" else {
            close(commands)
            process.kill()
            process.wait()
            throw FileError(description: "headless Chromium did not start: \(ready) \(String(decoding: process.readAll().stderr, as: UTF8.self))")
        }
    }

    deinit {
        close(commands)  // browser.py closes Chromium at the end of its input
        process.wait()
    }

    @discardableResult
    public func goto(_ url: String) throws -> Page { try page(send(["cmd": "goto", "url": url])) }

    /// Clicks the first element `selector` matches (a link, a button) and waits for where it leads.
    @discardableResult
    public func click(_ selector: String) throws -> Page { try page(send(["cmd": "click", "selector": selector])) }

    /// Waits until the page stops moving (after a meta refresh, say).
    @discardableResult
    public func settle() throws -> Page { try page(send(["cmd": "settle"])) }

    /// The value of a JavaScript expression in the page (run by the DevTools protocol, which the
    /// page's CSP does not govern).
    public func evaluate(_ expression: String) throws -> Any? { try send(["cmd": "eval", "js": expression])["value"] ?? nil }

    /// What a person reads on the page (`innerText`).
    public func text() throws -> String { try send(["cmd": "text"])["value"] as? String ?? "" }

    public func cookies() throws -> [[String: Any]] { try send(["cmd": "cookies"])["value"] as? [[String: Any]] ?? [] }

    /// Sets a cookie as `Network.setCookie` takes it (name, value, url or domain, secure, ...).
    public func setCookie(_ cookie: [String: Any]) throws {
        guard try send(["cmd": "set_cookie", "cookie": cookie])["value"] as? Bool == true else {
            throw FileError(description: "Chromium refused the cookie \(cookie["name"] ?? "")")
        }
    }

    /// The messages of every `alert`/`confirm` a page opened: a script ran.
    public func dialogs() throws -> [String] { try send(["cmd": "dialogs"])["value"] as? [String] ?? [] }

    public func screenshot(to path: String, width: Int = 1200, height: Int = 900, mobile: Bool = false) throws {
        _ = try send(["cmd": "screenshot", "path": path, "width": width, "height": height, "mobile": mobile])
    }

    private func page(_ answer: [String: Any]) throws -> Page {
        Page(url: answer["url"] as? String ?? "", status: answer["status"] as? Int, title: answer["title"] as? String ?? "")
    }

    private func send(_ command: [String: Any]) throws -> [String: Any] {
        var line = Array(try JSONSerialization.data(withJSONObject: command))
        line.append(10)
        var offset = 0
        while offset < line.count {
            let written = line[offset...].withUnsafeBytes { write(commands, $0.baseAddress, $0.count) }
            guard written > 0 else { throw FileError(description: "the browser's driver went away") }
            offset += written
        }
        let reply = process.readLine()
        guard let answer = try? JSONSerialization.jsonObject(with: Data(reply.utf8)) as? [String: Any] else {
            throw FileError(description: "the browser's driver answered \(reply.prefix(200))")
        }
        if let error = answer["error"] as? String { throw FileError(description: "browser: \(error)") }
        return answer
    }
}
