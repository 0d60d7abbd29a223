import Glibc

/// The scheme, host and port of an absolute http(s) URL, parsed rather than compared as text:
/// `http://127.0.0.1@evil.example` has the host `evil.example` (what precedes `@` is a user name),
/// and `https://api.github.com.evil.example` is not `https://api.github.com`. URLs with a user
/// name or password, an empty host or a port out of range are refused.
public struct URLOrigin: Sendable, Equatable {
    public var scheme: String
    public var host: String
    public var port: Int

    public init?(_ url: String) {
        let lowered = url.lowercased()
        let scheme: String
        if lowered.hasPrefix("https://") { scheme = "https" } else if lowered.hasPrefix("http://") { scheme = "http" } else { return nil }
        let rest = lowered.dropFirst(scheme.count + 3)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty, !authority.contains("@"), !authority.contains("\\"),
              authority.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else { return nil }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[...close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else {
            let parts = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            host = parts[0]
            portText = parts.count > 1 ? parts[1] : nil
        }
        guard !host.isEmpty else { return nil }
        let defaultPort = scheme == "https" ? 443 : 80
        var port = defaultPort
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, let number = Int(portText), (1...65535).contains(number) else { return nil }
            port = number
        }
        self.scheme = scheme
        self.host = String(host)
        self.port = port
    }

    /// A loopback address: `localhost`, `[::1]`, or an IPv4 address in 127.0.0.0/8 written as four
    /// decimal numbers (so `127.0.0.1.evil.example` is not one).
    public var isLoopback: Bool {
        if host == "localhost" || host == "[::1]" { return true }
        var address = in_addr()
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }),
              inet_pton(AF_INET, host, &address) == 1 else { return false }
        return octets[0] == "127"
    }
}
