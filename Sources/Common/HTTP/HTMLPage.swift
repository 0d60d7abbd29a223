/// A small self-contained HTML page (inline CSS, no external assets, readable on a phone) for the
/// browser-facing programs. Every value is escaped; the headers forbid scripts, framing and
/// caching, and send no Referer (the callback URL carries an OAuth code).
public struct HTMLPage: Sendable {
    public var title: String
    /// Paragraphs of plain text (escaped when rendered).
    public var paragraphs: [String]
    /// Optional list items, e.g. the permissions an installation grants.
    public var items: [String]
    /// Optional link (text, URL) for what to do next.
    public var link: (text: String, url: String)?
    public var isError: Bool
    /// A page of this site the browser opens by itself at once (a meta refresh: no script).
    public var opensAtOnce: String?

    public init(title: String, paragraphs: [String], items: [String] = [], link: (text: String, url: String)? = nil, isError: Bool = false,
                opensAtOnce: String? = nil) {
        self.opensAtOnce = opensAtOnce
        self.title = title
        self.paragraphs = paragraphs
        self.items = items
        self.link = link
        self.isError = isError
    }

    public static let securityHeaders: [(name: String, value: String)] = [
        ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
    ]

    public func response(status: Int, headers: [(name: String, value: String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "text/html; charset=utf-8")] + HTMLPage.securityHeaders + headers,
                     body: Array(html.utf8))
    }

    public var html: String {
        let accent = isError ? "#b42318" : "#1a7f37"
        var body = "<h1>\(escapeHTML(title))</h1>\n"
        for paragraph in paragraphs { body += "<p>\(escapeHTML(paragraph))</p>\n" }
        if !items.isEmpty { body += "<ul>\n" + items.map { "<li>\(escapeHTML($0))</li>\n" }.joined() + "</ul>\n" }
        if let link { body += "<p><a href=\"\(escapeHTML(link.url))\">\(escapeHTML(link.text))</a></p>\n" }
        return HTMLPage.document(title: title, refresh: opensAtOnce.map { "0;url=" + $0 }, style: """
            body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f6f8fa;color:#1f2328}
            main{max-width:34rem;margin:2rem auto;padding:1.5rem;background:#fff;border:1px solid #d0d7de;border-radius:12px;border-top:6px solid \(accent)}
            h1{font-size:1.35rem;margin:0 0 .75rem}
            p,li{overflow-wrap:anywhere}
            ul{padding-left:1.25rem}
            a{color:#0969da}
            footer{max-width:34rem;margin:0 auto 2rem;padding:0 1.5rem;color:#59636e;font-size:.85rem}
            @media (max-width:40rem){main{margin:0;border-radius:0;border-left:0;border-right:0}}
            """, body: "<main>\n\(body)</main>\n<footer>Pulser Hub Sync</footer>\n")
    }

    /// The document every browser page of the project is: UTF-8, phone-sized viewport, a title
    /// naming the product, inline CSS, and optionally a meta refresh (`refresh`: its content, such
    /// as `2` or `0;url=/github/admin/`, escaped here). `body` is trusted HTML.
    public static func document(title: String, refresh: String?, style: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">\(refresh.map { "\n<meta http-equiv=\"refresh\" content=\"\(escapeHTML($0))\">" } ?? "")
        <title>\(escapeHTML(title)) · Pulser Hub Sync</title>
        <style>
        \(style)</style>
        </head>
        <body>
        \(body)</body>
        </html>

        """
    }
}

/// Escapes the five characters with meaning in HTML text and attribute values.
public func escapeHTML(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}
