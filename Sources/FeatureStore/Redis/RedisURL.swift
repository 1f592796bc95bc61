/// A Redis endpoint parsed from `redis://[[username]:password@]host[:port][/db]`.
///
/// The port defaults to 6379 and the database to 0. The password may be percent-encoded. A username selects a
/// Redis 6 ACL user (`AUTH username password`); without one, `AUTH password` is sent.
public struct RedisURL: Sendable, Hashable, CustomStringConvertible {
    /// Host name or IP address (IPv6 without brackets).
    public var host: String
    /// TCP port.
    public var port: Int
    /// ACL user name, if any.
    public var username: String?
    /// Password for `AUTH`, if any.
    public var password: String?
    /// Database index for `SELECT`.
    public var database: Int

    /// Creates an endpoint from its parts.
    public init(host: String, port: Int = 6379, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// Parses `redis://[[username]:password@]host[:port][/db]`.
    public init(parsing text: String) throws(RedisURLError) {
        let scheme = "redis://"
        guard text.hasPrefix(scheme) else { throw RedisURLError(text, "must start with redis://") }
        var rest = Substring(text.dropFirst(scheme.count))
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                let user = credentials[..<colon]
                username = user.isEmpty ? nil : try Self.percentDecoded(user, in: text)
                password = try Self.percentDecoded(credentials[credentials.index(after: colon)...], in: text)
            } else {
                username = nil
                password = try Self.percentDecoded(credentials, in: text)
            }
        } else {
            username = nil
            password = nil
        }
        (host, port) = try Self.hostAndPort(rest, in: text)
        if path.isEmpty {
            database = 0
        } else if let index = Int(path), index >= 0 {
            database = index
        } else {
            throw RedisURLError(text, "database must be a non-negative integer after the slash, not '\(path)'")
        }
    }

    /// The URL with the password masked, for logs.
    public var description: String {
        var credentials = ""
        if password != nil { credentials = "\(username ?? ""):***@" }
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "redis://\(credentials)\(hostPart):\(port)/\(database)"
    }

    private static func hostAndPort(_ text: Substring, in url: String) throws(RedisURLError) -> (String, Int) {
        var host = text
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw RedisURLError(url, "unclosed '[' in IPv6 host") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else if !after.isEmpty {
                throw RedisURLError(url, "unexpected '\(after)' after the host")
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { throw RedisURLError(url, "host is missing") }
        var port = 6379
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw RedisURLError(url, "port must be a number from 1 to 65535, not '\(portText)'")
            }
            port = value
        }
        return (String(host), port)
    }

    private static func percentDecoded(_ text: Substring, in url: String) throws(RedisURLError) -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            else { throw RedisURLError(url, "invalid percent-encoding in the credentials") }
            bytes.append(value)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A `redis://` URL that cannot be parsed; the message names the problem.
public struct RedisURLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The URL with any password masked.
    public let url: String
    /// What is wrong.
    public let reason: String

    init(_ url: String, _ reason: String) {
        self.url = Self.masked(url)
        self.reason = reason
    }

    public var description: String { "invalid Redis URL '\(url)': \(reason)" }

    private static func masked(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@"), let schemeEnd = url.firstRange(of: "://")?.upperBound, schemeEnd < at
        else {
            return url
        }
        let credentials = url[schemeEnd..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return url[..<schemeEnd] + "***" + url[at...] }
        return url[..<schemeEnd] + credentials[...colon] + "***" + url[at...]
    }
}
