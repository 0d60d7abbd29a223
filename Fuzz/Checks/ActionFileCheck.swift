import Common

extension FuzzCheck {
    /// An action file, as an admin (or a configuration tool gone wrong) might write it: either it
    /// is refused with a reason and a line that exists, or the action read keeps every promise the
    /// README makes about accepted files. Its filters also answer quickly on a hostile delivery.
    public static let actionFile = FuzzCheck(name: "action-file") { input in
        guard let text = String(validating: input, as: UTF8.self) else { return nil }  // the loader refuses it before parsing
        let lines = input.filter { $0 == UInt8(ascii: "\n") }.count + 1  // as an editor counts them
        let action: ActionDefinition
        do {
            action = try ActionFile.parse(text, path: "/fuzz/fuzz.action")
        } catch let error as ActionFileError {
            if error.reason.isEmpty { return "a refusal without a reason" }
            if let line = error.line, line < 1 || line > lines { return "a refusal on line \(line) of \(lines)" }
            if !error.description.hasPrefix("/fuzz/fuzz.action") { return "a refusal that does not name the file" }
            return nil
        } catch {
            return "an error of another type: \(error)"
        }
        if action.source != input { return "the stored version is not the file's text" }
        if action.name != "fuzz" { return "named \(action.name.debugDescription)" }
        if let events = action.events, events.isEmpty { return "an empty EVENTS taken as some events" }
        if !(1...3_600).contains(action.timeoutSeconds) { return "a timeout of \(action.timeoutSeconds) s" }
        if action.retrySchedule.count > 50 || action.retrySchedule.contains(where: { !(1...7 * 86_400).contains($0) }) {
            return "a retry schedule out of range: \(action.retrySchedule)"
        }
        switch action.target {
        case .forward(let url, let secret):
            let lower = url.lowercased()
            if !lower.hasPrefix("https://") && !isLoopbackHTTP(lower) { return "forwarding to \(url.debugDescription)" }
            if secret.count < 16 { return "a forward secret of \(secret.count) bytes" }
            if action.withToken { return "WITH_TOKEN on a forwarding action" }
        case .command(let arguments):
            guard let program = arguments.first else { return "a command without a program" }
            if !program.hasPrefix("/") { return "a program without an absolute path: \(program.debugDescription)" }
            if arguments.joined().unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7F }) {
                return "a control character in the command"
            }
        }
        // The filters on a long hostile delivery: bounded work whatever the patterns.
        let long = String(repeating: "a", count: 300)
        let delivery = DeliveryFacts(event: "push", action: long, repository: long + "/" + long, branch: long + "/" + long)
        _ = action.matches(delivery)
        guard (try? ActionFile.parse(text, path: "/fuzz/fuzz.action")) == action else { return "a second read differs" }
        return nil
    }
}

/// `http://` then a loopback host: `localhost`, `[::1]`, or four decimal parts starting with 127.
private func isLoopbackHTTP(_ url: String) -> Bool {
    guard url.hasPrefix("http://") else { return false }
    let rest = url.dropFirst("http://".count)
    if rest.hasPrefix("[::1]") { return true }
    let host = rest.prefix { !"/:?#".contains($0) }
    if host == "localhost" { return true }
    let parts = host.split(separator: ".", omittingEmptySubsequences: false)
    return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
}
