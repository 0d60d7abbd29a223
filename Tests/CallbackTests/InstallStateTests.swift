import Testing
@testable import Callback
@testable import Common

@Suite struct InstallStateTests {
    let signer = BrowserState(tokenKey: [UInt8](repeating: 7, count: 32), purpose: .install)
    let now = Timestamp(microsecondsSinceEpoch: 1_764_151_977_000_000)

    @Test func aStateVerifiesWithItsCookieUntilItExpires() throws {
        let (state, cookie) = try signer.issue(now: now)
        try signer.verify(state, cookieValue: cookie, now: now)
        try signer.verify(state, cookieValue: cookie, now: now.adding(seconds: BrowserState.lifetimeSeconds))
        #expect(throws: BrowserState.Rejection.expired) {
            try signer.verify(state, cookieValue: cookie, now: now.adding(seconds: BrowserState.lifetimeSeconds + 1))
        }
    }

    @Test func aStateFromAnotherBrowserIsRefused() throws {
        let (state, _) = try signer.issue(now: now)
        let (_, otherCookie) = try signer.issue(now: now)
        #expect(throws: BrowserState.Rejection.cookieMismatch) { try signer.verify(state, cookieValue: otherCookie, now: now) }
        #expect(throws: BrowserState.Rejection.cookieMismatch) { try signer.verify(state, cookieValue: nil, now: now) }
    }

    @Test func aForgedOrAlteredStateIsRefused() throws {
        let (state, cookie) = try signer.issue(now: now)
        let otherKey = BrowserState(tokenKey: [UInt8](repeating: 8, count: 32), purpose: .install)
        #expect(throws: BrowserState.Rejection.forged) { try otherKey.verify(state, cookieValue: cookie, now: now) }
        // Extending the expiry in the payload breaks the signature.
        var parts = state.split(separator: ".").map(String.init)
        var payload = Base64URL.decode(parts[0])!
        payload[23] &+= 1
        parts[0] = Base64URL.encode(payload)
        #expect(throws: BrowserState.Rejection.forged) { try signer.verify(parts.joined(separator: "."), cookieValue: cookie, now: now) }
        for garbage in ["", ".", "abc", "<script>.x", String(repeating: "A", count: 5000) + ".B"] {
            #expect(throws: BrowserState.Rejection.self) { try signer.verify(garbage, cookieValue: cookie, now: now) }
        }
    }

    @Test func aStateCarriesItsValueAndServesOnePurposeOnly() throws {
        let signIn = BrowserState(tokenKey: [UInt8](repeating: 7, count: 32), purpose: .signIn)
        let (state, cookie) = try signIn.issue(now: now, carrying: Array("/github/admin/events?status=failed".utf8))
        #expect(try signIn.verify(state, cookieValue: cookie, now: now) == Array("/github/admin/events?status=failed".utf8))
        #expect(throws: BrowserState.Rejection.forged) { try signer.verify(state, cookieValue: cookie, now: now) }
        #expect(signIn.cookieName != signer.cookieName)
    }

    @Test func cookiesAreReadFromTheHeader() {
        #expect(cookieValue(named: "hubsync_install", in: "a=1; hubsync_install=xyz; b=2") == "xyz")
        #expect(cookieValue(named: "hubsync_install", in: "hubsync_installX=1") == nil)
        #expect(cookieValue(named: "hubsync_install", in: nil) == nil)
        let header = signer.setCookie("nonce")
        #expect(header.value.contains("HttpOnly") && header.value.contains("Secure") && header.value.contains("SameSite=Lax"))
    }
}

@Suite struct PageTests {
    @Test func everyValueIsEscapedAndTheHeadersForbidScriptsAndCaching() {
        let page = HTMLPage(title: "<script>alert(1)</script>", paragraphs: ["a & b \"quoted\" 'single'"],
                            items: ["<img src=x onerror=alert(1)>"], link: (text: "go", url: "javascript:\"><script>"))
        let response = page.response(status: 400)
        let html = String(decoding: response.body, as: UTF8.self)
        #expect(!html.contains("<script>"))
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("a &amp; b &quot;quoted&quot; &#39;single&#39;"))
        #expect(response.header("Content-Security-Policy")?.contains("default-src 'none'") == true)
        #expect(response.header("Cache-Control") == "no-store")
        #expect(response.header("Referrer-Policy") == "no-referrer")
        #expect(response.header("Content-Type") == "text/html; charset=utf-8")
        #expect(html.contains("name=\"viewport\""))
    }

    @Test func errorPagesCarryTheirStatusAndTheOriginalModulesText() {
        #expect(CallbackError.missingParameters.status == 400)
        #expect(String(decoding: CallbackError.missingParameters.response.body, as: UTF8.self)
                .contains("Missing authorization code or installation ID"))
        #expect(CallbackError.gitHubUnreachable.status == 502)
        #expect(String(decoding: CallbackError.gitHubUnreachable.response.body, as: UTF8.self).contains("Could not reach GitHub"))
        #expect(CallbackError.methodNotAllowed.response.header("Allow") == "GET, HEAD")
        // The detail of a configuration problem stays in the log.
        let page = String(decoding: CallbackError.notConfigured(detail: "/etc/secret/path.pem missing").response.body, as: UTF8.self)
        #expect(!page.contains("/etc/secret"))
    }
}
