import Foundation
import NIOSSL
import PostgresNIO

/// Where the shared state lives: a `postgres://user:password@host:port/database?sslmode=…` URL as libpq takes it.
///
/// `sslmode` is `disable`, `prefer` (the default, as libpq's) or `require`. A URL without a password takes libpq's
/// `PGPASSWORD` from the environment, so that the password can live in a secret rather than in `gateway.conf`. The
/// password is never printed (``redacted``).
public struct PostgresLocation: Sendable, Equatable {
    /// Server host name or address.
    public var host: String
    /// Server port.
    public var port: Int
    /// Role to log in as.
    public var username: String
    /// Password, if the server asks for one.
    public var password: String?
    /// Database name (defaults to the user name, as libpq's).
    public var database: String
    /// TLS use.
    public var sslMode: SSLMode

    /// libpq's `sslmode` values this client supports.
    public enum SSLMode: String, Sendable, Equatable {
        case disable, prefer, require
    }

    /// Parses a URL.
    ///
    /// - Throws: ``PostgresStateError/Kind/configuration`` with a message naming the problem.
    public init(
        url: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(PostgresStateError) {
        func invalid(_ message: String) -> PostgresStateError {
            PostgresStateError(kind: .configuration, message: message)
        }
        guard let components = URLComponents(string: url),
            components.scheme == "postgres" || components.scheme == "postgresql"
        else {
            throw invalid("not a PostgreSQL URL (expected postgres://user:password@host:port/database)")
        }
        guard let host = components.host, !host.isEmpty else { throw invalid("the PostgreSQL URL names no host") }
        guard let username = components.user, !username.isEmpty else {
            throw invalid("the PostgreSQL URL names no user (postgres://user@host/database)")
        }
        let port = components.port ?? 5432
        guard (1...65_535).contains(port) else { throw invalid("port \(port) is not between 1 and 65535") }
        var database = components.path
        if database.hasPrefix("/") { database.removeFirst() }
        var sslMode = SSLMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value.flatMap(SSLMode.init(rawValue:)) else {
                    throw invalid("sslmode must be disable, prefer or require, not '\(item.value ?? "")'")
                }
                sslMode = value
            default:
                throw invalid("unsupported PostgreSQL URL parameter '\(item.name)' (supported: sslmode)")
            }
        }
        self.host = host
        self.port = port
        self.username = username
        self.password = components.password ?? environment["PGPASSWORD"]
        self.database = database.isEmpty ? username : database
        self.sslMode = sslMode
    }

    /// The URL without its password, for logs and the admin API.
    public var redacted: String {
        "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)?sslmode=\(sslMode.rawValue)"
    }

    var clientConfiguration: PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: clientTLS)
        configuration.options.connectTimeout = .seconds(2)
        configuration.options.maximumConnections = 4
        return configuration
    }

    var connectionConfiguration: PostgresConnection.Configuration {
        get throws {
            var configuration = PostgresConnection.Configuration(
                host: host, port: port, username: username, password: password, database: database,
                tls: try connectionTLS)
            configuration.options.connectTimeout = .seconds(2)
            return configuration
        }
    }

    private var clientTLS: PostgresClient.Configuration.TLS {
        switch sslMode {
        case .disable: return .disable
        case .prefer: return .prefer(.makeClientConfiguration())
        case .require: return .require(.makeClientConfiguration())
        }
    }

    private var connectionTLS: PostgresConnection.Configuration.TLS {
        get throws {
            switch sslMode {
            case .disable: return .disable
            case .prefer: return .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: return .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        }
    }
}
