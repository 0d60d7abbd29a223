import Common

/// The console's read pages (issue 17): the overview, the events list with its filters and keyset
/// pagination, and one event with its payload and outbox items. Each page opens the database for
/// its request (callback-fcgi keeps requests independent) and escapes everything it shows.
struct ConsoleEventPages {
    let services: CallbackServices
    let base: String
    let admin: AdminSession.Admin
    static let pageSize = 50

    private func page(_ title: String, _ content: String, refreshSeconds: Int? = nil) -> HTTPResponse {
        ConsolePage(title: title, base: base, admin: admin.login, content: content, refreshSeconds: refreshSeconds).response()
    }

    /// `POST <base>/events/{id}/reprocess`: the event goes back to the event runner (webhook-fcgi's
    /// background process, which runs handlers apart from the request workers and contains a
    /// payload that crashes them); the browser then sees the event page, which refreshes itself
    /// until the runner has an outcome.
    func reprocess(id: Int64) throws -> HTTPResponse {
        let queries = EventQueries(database: try Database(configuration: services.configuration))
        guard try EventStore(database: queries.database).event(id: id) != nil else { throw ConsoleError.notFound }
        let queued = try queries.requeue(id: id)
        services.logger.info("console: reprocess", [("login", .string(admin.login)), ("event", .int(Int(id))), ("queued", .string(queued ? "yes" : "no: a try is in progress"))])
        return HTTPResponse(status: 303, headers: [("Location", "\(base)/events/\(id)")] + ConsolePage.securityHeaders)
    }

    func overview() throws -> HTTPResponse {
        let database = try Database(configuration: services.configuration)
        let queries = EventQueries(database: database)
        let now = services.now()
        // The current hour's start, then back a day and a week.
        let thisHour = Timestamp(microsecondsSinceEpoch: now.secondsSinceEpoch / 3_600 * 3_600 * 1_000_000)
        let day = try queries.hourlyCounts(from: thisHour.adding(seconds: -23 * 3_600), hours: 24)
        let week = try queries.hourlyCounts(from: thisHour.adding(seconds: -167 * 3_600), hours: 168)
        let retries = try queries.retryCounts()
        let slowest = try queries.slowestHandlers(since: thisHour.adding(seconds: -23 * 3_600), limit: 8)
        let outbox = try OutboxStore(database: database).counts()
        var content = ConsoleChart(title: "Last 24 hours", hours: day).svg + ConsoleChart(title: "Last 7 days", hours: week).svg
        content += "<h2>Failed events</h2>\n" + ConsolePage.table(["", "Events"], [
            ["<a href=\"\(escapeHTML(base))/events?status=failed\">retrying by themselves</a>", String(retries.retrying)],
            ["<a href=\"\(escapeHTML(base))/events?status=failed\">given up</a>", String(retries.givenUp)],
        ], badRows: retries.givenUp > 0 ? [1] : [])
        content += "<h2>Slowest handlers, last 24 hours</h2>\n" + (slowest.isEmpty ? "<p>No handler ran.</p>\n" :
            ConsolePage.table(["Event", "Handled", "Average", "Slowest"], slowest.map { handler in
                [escapeHTML(handler.event), String(handler.handled), ConsoleEventPages.duration(handler.averageMicroseconds),
                 "<a href=\"\(escapeHTML(base))/events/\(handler.slowestEventID)\">\(ConsoleEventPages.duration(handler.slowestMicroseconds))</a>"]
            }))
        content += "<h2>Outbox</h2>\n" + ConsolePage.table(["Status", "Items"], OutboxStatus.allCases.map {
            ["<a href=\"\(escapeHTML(base))/outbox?status=\($0.rawValue)\">\($0.rawValue)</a>", String(outbox.byStatus[$0] ?? 0)]
        }, badRows: (outbox.byStatus[.dead] ?? 0) > 0 ? [OutboxStatus.allCases.firstIndex(of: .dead)!] : [])
        if let oldest = outbox.oldestUnfinishedAt { content += "<p>Oldest unfinished item queued at \(escapeHTML(oldest)).</p>\n" }
        return page("Overview", content)
    }

    func list(_ parameters: [String: String]) throws -> HTTPResponse {
        func filter(_ name: String) -> String? { parameters[name].flatMap { $0.isEmpty ? nil : String($0.prefix(200)) } }
        var eventFilter = EventFilter(status: filter("status").flatMap(EventStatus.init(rawValue:)), event: filter("event"),
                                      repository: filter("repository"), action: filter("action"), sender: filter("sender"))
        if let before = filter("before") { eventFilter.before = Int64(before) }
        // "24h", "7d", "2026-11-25" or an ISO time, as `hubsync events list --since` takes them.
        var unreadable: [String] = []
        for (name, keyPath) in [("from", \EventFilter.since), ("to", \EventFilter.until)] {
            guard let text = filter(name) else { continue }
            if let time = TimeArgument.pointInTime(text, now: services.now()) { eventFilter[keyPath: keyPath] = time } else { unreadable.append(text) }
        }
        let queries = EventQueries(database: try Database(configuration: services.configuration))
        let events = try queries.list(eventFilter, limit: ConsoleEventPages.pageSize + 1)
        let shown = events.prefix(ConsoleEventPages.pageSize)
        var content = filtersForm(eventFilter, from: filter("from"), to: filter("to"))
        for text in unreadable { content += "<p class=\"status bad\">Not a time: \(escapeHTML(text)) (use 24h, 7d, 2026-11-25 or 2026-11-25T10:00:00Z)</p>\n" }
        content += ConsolePage.table(["ID", "Received", "Event", "Action", "Repository", "Sender", "Status", "Delivery"], shown.map { event in
            let bad = event.status == .failed
            return ["<a href=\"\(escapeHTML(base))/events/\(event.id)\">\(event.id)</a>", escapeHTML(String(event.receivedAt.prefix(19)).replacingT()),
                    escapeHTML(event.event), escapeHTML(event.action ?? ""), escapeHTML(event.repository ?? ""), escapeHTML(event.sender ?? ""),
                    ConsolePage.statusCell(event.statusDescription, bad: bad), "<span class=\"wide\">\(escapeHTML(event.deliveryID))</span>"]
        }, badRows: Set(shown.indices.filter { shown[$0].status == .failed }.map { $0 - shown.startIndex }))
        let windowStart = try queries.windowStart(eventFilter)
        if shown.isEmpty { content += "<p>No event matches\(windowStart.map { " among deliveries \($0) and newer" } ?? "").</p>\n" }
        var next = eventFilter
        if events.count > ConsoleEventPages.pageSize, let last = shown.last {
            next.before = last.id
        } else if let windowStart, windowStart > 1 {
            // The action and sender filters read one window of ids per page: the next page reads the one before.
            next.before = windowStart
        }
        if next.before != eventFilter.before {
            content += "<p class=\"more\"><a href=\"\(escapeHTML(base))/events?\(escapeHTML(query(next)))\">Older events</a></p>\n"
        }
        return page("Events", content)
    }

    func event(id: Int64) throws -> HTTPResponse {
        let database = try Database(configuration: services.configuration)
        guard let event = try EventStore(database: database).event(id: id) else { throw ConsoleError.notFound }
        let outbox = try OutboxStore(database: database)
        let items = try outbox.items(eventID: id)
        let history = try outbox.attemptHistory(itemIDs: items.map(\.id))
        let described = describeStatus(event.status, nextAttemptAt: event.nextAttemptAt)
        var fields: [(String, String)] = [
            ("Status", ConsolePage.statusCell(described, bad: event.status == .failed)), ("Event", escapeHTML(event.event)),
            ("Action", escapeHTML(event.action ?? "")), ("Repository", escapeHTML(event.repository ?? "")),
            ("Sender", escapeHTML(event.sender ?? "")), ("Delivery", escapeHTML(event.deliveryID)), ("Hook", String(event.hookID)),
            ("Installation", event.installationID.map(String.init) ?? ""),
            ("Target", escapeHTML([event.targetType, event.targetID.map(String.init)].compactMap { $0 }.joined(separator: " "))),
            ("Received", escapeHTML(event.receivedAt)),
            ("Tries", String(event.attempts) + (event.deaths > 0 ? " (\(event.deaths) ended with their process)" : "")),
        ]
        if let next = event.nextAttemptAt { fields.append(("Next try", escapeHTML(next))) }
        if let processed = event.processedAt { fields.append(("Handled", escapeHTML(processed))) }
        if let error = event.error { fields.append(("Error", escapeHTML(error))) }
        if let summary = event.summary { fields.append(("Summary", "<code>" + escapeHTML(summary) + "</code>")) }
        var content = "<dl>\n" + fields.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>\n" }.joined() + "</dl>\n"
        let waiting = event.status == .pending
        content += waiting ? "<p>Waiting for the event runner; this page refreshes itself.</p>\n"
            : ConsolePage.button("Reprocess", action: "\(base)/events/\(id)/reprocess", csrf: admin.csrfToken) + "\n"
        if !items.isEmpty {
            content += "<h2>Outbox</h2>\n" + ConsolePage.table(["Item", "Action", "Status", "Tries", "Next try", "Last result"], items.map { item in
                [String(item.id), escapeHTML(item.action), ConsolePage.statusCell(item.status.rawValue, bad: item.status == .dead), String(item.attempts),
                 escapeHTML(item.nextAttemptAt ?? ""), escapeHTML(item.lastResult ?? "")]
            }, badRows: Set(items.indices.filter { items[$0].status == .dead }))
            for item in items {
                guard let tries = history[item.id], !tries.isEmpty else { continue }
                content += "<details><summary>Item \(item.id) (\(escapeHTML(item.action))): \(tries.count) \(tries.count == 1 ? "try" : "tries")</summary>\n"
                    + ConsolePage.table(["Try", "Started", "Ended", "Result"], tries.enumerated().map { number, attempt in
                        [String(number + 1), escapeHTML(attempt.startedAt ?? ""), escapeHTML(attempt.finishedAt),
                         ConsolePage.statusCell(attempt.succeeded ? "done" : "failed", bad: !attempt.succeeded) + " " + escapeHTML(attempt.result)]
                    }, badRows: Set(tries.indices.filter { !tries[$0].succeeded })) + "</details>\n"
            }
        }
        content += payloadSection(event.body, contentType: event.contentType, id: id)
        return page("Event \(id): \(event.event)" + (event.action.map { " \($0)" } ?? ""), content, refreshSeconds: waiting ? 2 : nil)
    }

    // MARK: - Pieces

    /// 850 µs, 12.4 ms, 3.2 s.
    static func duration(_ microseconds: Int64) -> String {
        if microseconds < 1_000 { return "\(microseconds) µs" }
        func tenths(_ value: Int64, _ unit: Int64) -> String { "\(value / unit).\(value % unit * 10 / unit)" }
        if microseconds < 1_000_000 { return tenths(microseconds, 1_000) + " ms" }
        return tenths(microseconds, 1_000_000) + " s"
    }

    /// The body laid out when it is JSON (only whitespace between tokens moves), as stored
    /// otherwise; past `PayloadLayout.layoutLimit` its start, with the command that prints it all.
    private func payloadSection(_ body: [UInt8], contentType: String, id: Int64) -> String {
        let laidOut = contentType.hasPrefix("application/json") ? PayloadLayout.indented(body) : nil
        let shown = laidOut ?? Array(body.prefix(PayloadLayout.layoutLimit))
        var note = "\(body.count) bytes, " + (laidOut != nil ? "laid out; every value as received" : "as received")
        if shown.count < body.count { note += "; the first \(shown.count) shown, all of it: hubsync events show \(id) --payload" }
        return "<h2>Payload (\(escapeHTML(contentType)), \(note))</h2>\n<pre>" + escapeHTML(String(decoding: shown, as: UTF8.self)) + "</pre>\n"
    }

    private func filtersForm(_ filter: EventFilter, from: String?, to: String?) -> String {
        let statuses = ["" as String] + EventStatus.allCases.map(\.rawValue)
        let options = statuses.map { status in
            "<option value=\"\(status)\"\(filter.status?.rawValue == status || (filter.status == nil && status.isEmpty) ? " selected" : "")>\(status.isEmpty ? "any status" : status)</option>"
        }.joined()
        func input(_ name: String, _ value: String?, _ placeholder: String) -> String {
            "<input name=\"\(name)\" value=\"\(escapeHTML(value ?? ""))\" placeholder=\"\(placeholder)\">"
        }
        return "<form class=\"filters\" method=\"get\" action=\"\(escapeHTML(base))/events\">"
            + "<select name=\"status\">\(options)</select>" + input("event", filter.event, "event") + input("action", filter.action, "action")
            + input("repository", filter.repository, "owner/name") + input("sender", filter.sender, "sender")
            + input("from", from, "from: 24h or 2026-11-25") + input("to", to, "to")
            + "<button>Filter</button></form>\n"
    }

    private func query(_ filter: EventFilter) -> String {
        var parts: [(String, String)] = []
        if let status = filter.status { parts.append(("status", status.rawValue)) }
        if let event = filter.event { parts.append(("event", event)) }
        if let action = filter.action { parts.append(("action", action)) }
        if let repository = filter.repository { parts.append(("repository", repository)) }
        if let sender = filter.sender { parts.append(("sender", sender)) }
        if let since = filter.since { parts.append(("from", since.iso8601)) }
        if let until = filter.until { parts.append(("to", until.iso8601)) }
        if let before = filter.before { parts.append(("before", String(before))) }
        return parts.map { $0.0 + "=" + FormDecoding.percentEncode($0.1) }.joined(separator: "&")
    }
}
