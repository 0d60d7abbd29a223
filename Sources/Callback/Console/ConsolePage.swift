import Common

/// A console page (issue 17): the navigation, a title and HTML built by the page's own code, in
/// the same self-contained style as the callback pages (inline CSS, no script, readable on a
/// phone). Whatever came from outside is escaped by the code that builds `content` (`escapeHTML`):
/// payloads, titles and names are written by anyone on GitHub.
struct ConsolePage {
    var title: String
    /// The console's base path as the request came in (`/github/admin` or `/odoo/github/admin`).
    var base: String
    var admin: String
    /// Trusted HTML: built from escaped values.
    var content: String
    /// Reloads itself after this many seconds (a meta refresh: no script), while something runs.
    var refreshSeconds: Int? = nil

    /// The callback pages' headers, but forms may post to this origin (the console's POSTs), and
    /// the referrer policy is `same-origin`: under `no-referrer` a browser sends `Origin: null`
    /// with every form POST, which the console's origin check must refuse (Fetch, "append a
    /// request Origin header"). Nothing leaves for another site either way.
    static let securityHeaders: [(name: String, value: String)] =
        [("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
         ("Referrer-Policy", "same-origin")]
        + HTMLPage.securityHeaders.filter { $0.name != "Content-Security-Policy" && $0.name != "Referrer-Policy" }

    func response(status: Int = 200, headers: [(name: String, value: String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "text/html; charset=utf-8")] + ConsolePage.securityHeaders + headers,
                     body: Array(html.utf8))
    }

    var html: String {
        let links = [("", "Overview"), ("/events", "Events"), ("/outbox", "Outbox"), ("/integrations", "Integrations")]
            .map { "<a href=\"\(escapeHTML(base + $0.0))\">\($0.1)</a>" }.joined(separator: " ")
        return HTMLPage.document(title: title, refresh: refreshSeconds.map(String.init), style: """
            body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f6f8fa;color:#1f2328}
            header{display:flex;flex-wrap:wrap;gap:.75rem 1.25rem;align-items:center;padding:.75rem 1rem;background:#24292f;color:#fff}
            header a{color:#fff;text-decoration:none;font-weight:600}
            header .who{margin-left:auto;color:#d0d7de;font-size:.85rem}
            main{max-width:72rem;margin:1rem auto;padding:0 1rem}
            h1{font-size:1.3rem;margin:.5rem 0 1rem}
            table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d0d7de}
            th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #d0d7de;vertical-align:top;overflow-wrap:anywhere}
            th{background:#f6f8fa;font-size:.85rem}
            tr.bad td{background:#ffebe9}
            .status{font-weight:600;white-space:nowrap}
            .status.bad{color:#b42318}
            .status.good{color:#1a7f37}
            form.filters{display:flex;flex-wrap:wrap;gap:.5rem;margin:0 0 1rem}
            form.filters input,form.filters select{font:inherit;padding:.25rem .4rem}
            button{font:inherit;padding:.3rem .8rem;margin:.75rem 0;border:1px solid #1f883d;background:#1f883d;color:#fff;border-radius:6px}
            pre{background:#fff;border:1px solid #d0d7de;padding:.75rem;overflow:auto;white-space:pre-wrap;overflow-wrap:anywhere;font-size:.85rem}
            dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;background:#fff;border:1px solid #d0d7de;padding:.75rem}
            dt{font-weight:600}
            dd{margin:0;overflow-wrap:anywhere}
            a{color:#0969da}
            .more{margin:1rem 0}
            /* On a phone each row is a card, each cell under its column's name. */
            @media (max-width:40rem){
            .wide{display:none}
            table.rows,table.rows tbody,table.rows tr,table.rows td{display:block}
            table.rows thead{display:none}
            table.rows tr{border-bottom:1px solid #d0d7de;padding:.35rem 0}
            table.rows td{border:0;padding:.1rem .6rem}
            table.rows td[data-label]::before{content:attr(data-label) ": ";font-weight:600;color:#59636e}
            table.rows td:empty,table.rows td:has(> .wide:only-child){display:none}
            }
            """, body: """
            <header>\(links)<span class="who">\(escapeHTML(admin))</span></header>
            <main>
            <h1>\(escapeHTML(title))</h1>
            \(content)
            </main>

            """)
    }

    /// A status in colour and in words: "failed", "given up" and "dead" read as such without colour too.
    static func statusCell(_ text: String, bad: Bool) -> String {
        "<span class=\"status \(bad ? "bad" : "good")\">\(escapeHTML(text))</span>"
    }

    /// A table of trusted cells (escaped by the caller) under plain-text headers; `badRows` (by
    /// index) stand out. On a phone each row becomes a card whose cells name their column.
    static func table(_ headers: [String], _ rows: [[String]], badRows: Set<Int> = []) -> String {
        let labels = headers.map { $0.isEmpty ? "" : " data-label=\"\(escapeHTML($0))\"" }
        var html = "<table class=\"rows\">\n<thead><tr>" + headers.map { "<th>\(escapeHTML($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for (index, row) in rows.enumerated() {
            html += "<tr\(badRows.contains(index) ? " class=\"bad\"" : "")>"
                + row.enumerated().map { "<td\($0.offset < labels.count ? labels[$0.offset] : "")>\($0.element)</td>" }.joined() + "</tr>\n"
        }
        return html + "</tbody></table>\n"
    }

    /// A one-button form that POSTs to `action` with the session's CSRF token.
    static func button(_ label: String, action: String, csrf: String) -> String {
        "<form method=\"post\" action=\"\(escapeHTML(action))\"><input type=\"hidden\" name=\"csrf\" value=\"\(escapeHTML(csrf))\">"
            + "<button>\(escapeHTML(label))</button></form>"
    }
}
