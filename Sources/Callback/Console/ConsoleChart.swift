import Common

/// Deliveries per hour as an SVG bar chart, drawn on the server (no script, no library): each bar
/// stacks the hour's handled, pending and failed deliveries; each bar's `<title>` gives its
/// numbers (a tooltip, and text for screen readers), and the chart has a text summary.
struct ConsoleChart {
    var title: String
    var hours: [HourlyCount]

    static let handled = "#1a7f37", pending = "#bf8700", failed = "#b42318"

    var svg: String {
        let width = 720.0, height = 150.0, top = 8.0, bottom = 20.0, left = 40.0
        let plot = height - top - bottom
        let peak = max(1, hours.map(\.total).max() ?? 1)
        let slot = (width - left) / Double(max(1, hours.count))
        let bar = max(1, slot * 0.8)
        var parts: [String] = []
        parts.append("<text x=\"0\" y=\"\(top + 10)\" font-size=\"11\" fill=\"#59636e\">\(peak)</text>")
        parts.append("<line x1=\"\(left)\" y1=\"\(top + plot)\" x2=\"\(width)\" y2=\"\(top + plot)\" stroke=\"#d0d7de\"/>")
        for (index, hour) in hours.enumerated() {
            let x = left + Double(index) * slot
            var y = top + plot
            let handledCount = max(0, hour.total - hour.failed - hour.pending)
            var rects = ""
            for (count, colour) in [(handledCount, ConsoleChart.handled), (hour.pending, ConsoleChart.pending), (hour.failed, ConsoleChart.failed)] where count > 0 {
                let h = max(1, plot * Double(count) / Double(peak))
                y -= h
                rects += "<rect x=\"\(format(x))\" y=\"\(format(y))\" width=\"\(format(bar))\" height=\"\(format(h))\" fill=\"\(colour)\"/>"
            }
            let label = "\(hour.hour.replacingT()):00 UTC: \(hour.total) received, \(hour.failed) failed, \(hour.pending) pending"
            parts.append("<g><title>\(escapeHTML(label))</title>\(rects)<rect x=\"\(format(x))\" y=\"\(top)\" width=\"\(format(slot))\" height=\"\(plot)\" fill=\"transparent\"/></g>")
            // A week is labelled at each day's start (UTC), a day every three hours.
            let labelled = hours.count > 48 ? hour.hour.hasSuffix("T00") : index % 3 == 0
            if labelled {
                let text = hours.count > 48 ? String(hour.hour.dropFirst(5).prefix(5)) : String(hour.hour.suffix(2)) + "h"
                parts.append("<text x=\"\(format(x))\" y=\"\(height - 5)\" font-size=\"11\" fill=\"#59636e\">\(escapeHTML(text))</text>")
            }
        }
        let total = hours.reduce(0) { $0 + $1.total }, failures = hours.reduce(0) { $0 + $1.failed }
        let summary = "\(title): \(total) deliveries received, \(failures) failed now"
        return """
            <figure><svg viewBox="0 0 \(Int(width)) \(Int(height))" width="100%" role="img" aria-label="\(escapeHTML(summary))" xmlns="http://www.w3.org/2000/svg">
            \(parts.joined(separator: "\n"))
            </svg><figcaption>\(escapeHTML(summary)). <span style="color:\(ConsoleChart.handled)">■</span> handled <span style="color:\(ConsoleChart.pending)">■</span> pending <span style="color:\(ConsoleChart.failed)">■</span> failed</figcaption></figure>

            """
    }

    private func format(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
