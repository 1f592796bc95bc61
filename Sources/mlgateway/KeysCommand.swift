import ArgumentParser
import Foundation
import Gateway
import GatewayAuth
import InvocationCore

/// `mlgateway keys …`: create, list, show, revoke and rotate API keys in the gateway's `state_dir`, or in the
/// fleet's PostgreSQL with `[state]`.
///
/// A running gateway picks changes up within a second.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage API keys and SigV4 credentials.",
        subcommands: [CreateKey.self, ListKeys.self, ShowKey.self, RevokeKey.self, RotateKey.self])
}

/// `--output text|json`.
enum KeyOutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

/// The options every `keys` subcommand shares.
struct KeyStoreOptions: ParsableArguments {
    @OptionGroup var options: ConfigOptions

    @Option(help: "Output format: text or json.")
    var output: KeyOutputFormat = .text

    /// The configuration and the key store of its `state_dir`, with the master key of `MLGATEWAY_MASTER_KEY` or
    /// `[auth] master_key_file`. A master key that cannot be read only matters to operations on SigV4 keys.
    func open() throws -> KeyCLI.Opened {
        let configuration = try options.load()
        var masterKey: MasterKey?
        var masterKeyProblem: KeyStoreError?
        do {
            masterKey = try MasterKey.load(file: configuration.auth.masterKeyFile?.path)
        } catch {
            masterKeyProblem = error
        }
        let store: KeyStore
        do {
            store = try configuration.commandKeyStore(masterKey: masterKey)
        } catch {
            throw CLI.fail("error: \(error.description)")
        }
        return KeyCLI.Opened(configuration: configuration, store: store, masterKeyProblem: masterKeyProblem)
    }
}

/// `keys create`: prints the new key's secrets once.
struct CreateKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a key; its secrets are printed this once.")

    @OptionGroup var store: KeyStoreOptions

    @Option(help: "A name for the key (who or what uses it).")
    var name: String

    @Option(help: "Endpoints the key may invoke, comma-separated (default: all).")
    var endpoints: String?

    @Option(help: "Expiry: a UTC date (2027-01-01) or a duration (30d, 12h).")
    var expires: String?

    @Option(help: "Rate limit: 100/s, 600/m or 3600/h.")
    var rate: String?

    @Option(help: "Requests allowed at once (default: the count of --rate).")
    var burst: Int?

    @Option(help: "Quota: 1000000/month or 5000/day.")
    var quota: String?

    @Flag(
        name: .customLong("sigv4"),
        help: "Also create an access key ID and secret access key for SigV4 (needs the master key).")
    var sigV4 = false

    func run() async throws {
        let opened = try store.open()
        let options = KeyOptions(
            name: name,
            endpoints: endpoints?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                !$0.isEmpty
            } ?? [],
            expires: expires, rate: rate, burst: burst, quota: quota, sigV4: sigV4)
        let created = try await opened.run { () async throws(KeyStoreError) in
            try await options.create(in: opened.store, configuration: opened.configuration)
        }
        try KeyCLI.printCreated(created, format: store.output)
    }
}

/// `keys list`: every key, without secrets.
struct ListKeys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List keys (never their secrets).")

    @OptionGroup var store: KeyStoreOptions

    func run() async throws {
        let keyStore = try store.open().store
        let keys = try await KeyCLI.run { () async throws(KeyStoreError) in try await keyStore.list() }
        let now = Date()
        switch store.output {
        case .json:
            try KeyCLI.printJSON(keys.map { KeyDocument($0, now: now) })
        case .text:
            print(KeyCLI.table(keys.map { KeyDocument($0, now: now) }))
        }
    }
}

/// `keys show ID`.
struct ShowKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one key (never its secrets).")

    @OptionGroup var store: KeyStoreOptions

    @Argument(help: "The key ID.")
    var id: String

    func run() async throws {
        let keyStore = try store.open().store
        let info = try await KeyCLI.run { () async throws(KeyStoreError) in try await keyStore.show(id: id) }
        try KeyCLI.printKey(KeyDocument(info), format: store.output)
    }
}

/// `keys revoke ID`.
struct RevokeKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a key for good (running gateways refuse it within a second).")

    @OptionGroup var store: KeyStoreOptions

    @Argument(help: "The key ID.")
    var id: String

    func run() async throws {
        let keyStore = try store.open().store
        let info = try await KeyCLI.run { () async throws(KeyStoreError) in try await keyStore.revoke(id: id) }
        try KeyCLI.printKey(KeyDocument(info), format: store.output)
    }
}

/// `keys rotate ID`: new secrets for the same key ID and access key ID.
struct RotateKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate", abstract: "Replace a key's secrets; the old ones stop working. Prints the new ones once."
    )

    @OptionGroup var store: KeyStoreOptions

    @Argument(help: "The key ID.")
    var id: String

    func run() async throws {
        let opened = try store.open()
        let created = try await opened.run { () async throws(KeyStoreError) in
            try await opened.store.rotate(id: id)
        }
        try KeyCLI.printCreated(created, format: store.output)
    }
}

/// Output and error handling of the `keys` subcommands.
enum KeyCLI {
    /// An opened key store.
    struct Opened {
        let configuration: GatewayConfiguration
        let store: KeyStore
        /// Why the configured master key could not be loaded, if it could not.
        let masterKeyProblem: KeyStoreError?

        /// Runs a store operation; when it needs the master key that could not be loaded, says why.
        func run<T>(_ body: () async throws(KeyStoreError) -> T) async throws -> T {
            do {
                return try await body()
            } catch {
                if error.kind == .masterKeyMissing, let masterKeyProblem {
                    throw CLI.fail("error: \(masterKeyProblem.description)")
                }
                throw CLI.fail("error: \(error.description)")
            }
        }
    }

    /// Runs a key store operation; a failure prints `error: …` and exits 1.
    static func run<T>(_ body: () async throws(KeyStoreError) -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw CLI.fail("error: \(error.description)")
        }
    }

    static func printJSON(_ value: some Encodable) throws {
        let data = try KeyDocument.encoder(pretty: true).encode(value)
        print(String(decoding: data, as: UTF8.self))
    }

    static func printCreated(_ created: CreatedKey, format: KeyOutputFormat) throws {
        switch format {
        case .json:
            let data = try KeyDocument.encoder().encode(created)
            print(String(decoding: data, as: UTF8.self))
        case .text:
            var lines = [
                "Key \(created.id) (\(created.name))",
                "API key:           \(created.apiKey)",
            ]
            if let accessKeyID = created.accessKeyID, let secret = created.secretAccessKey {
                lines.append("Access key ID:     \(accessKeyID)")
                lines.append("Secret access key: \(secret)")
            }
            lines.append("Store the secrets now: they cannot be shown again.")
            print(lines.joined(separator: "\n"))
        }
    }

    static func printKey(_ document: KeyDocument, format: KeyOutputFormat) throws {
        switch format {
        case .json:
            try printJSON(document)
        case .text:
            let info = document.info
            var lines = [
                "ID:         \(info.id)",
                "Name:       \(info.name)",
                "Status:     \(document.status.rawValue)",
                "Endpoints:  \(info.endpoints.isEmpty ? "all" : info.endpoints.joined(separator: ", "))",
                "Created:    \(date(info.createdAt))",
                "Expires:    \(info.expiresAt.map(date) ?? "never")",
            ]
            if let revoked = info.revokedAt { lines.append("Revoked:    \(date(revoked))") }
            if let rotated = info.rotatedAt { lines.append("Rotated:    \(date(rotated))") }
            lines.append("Rate:       \(info.rateLimit.map(rate) ?? "unlimited")")
            lines.append("Quota:      \(info.quota.map(quota) ?? "unlimited")")
            if let accessKeyID = info.accessKeyID { lines.append("Access key: \(accessKeyID)") }
            print(lines.joined(separator: "\n"))
        }
    }

    /// One line per key under a header, columns aligned.
    static func table(_ documents: [KeyDocument]) -> String {
        var rows = [["ID", "NAME", "STATUS", "ENDPOINTS", "EXPIRES", "RATE", "QUOTA", "ACCESS KEY"]]
        for document in documents {
            let info = document.info
            rows.append([
                info.id, info.name, document.status.rawValue,
                info.endpoints.isEmpty ? "all" : info.endpoints.joined(separator: ","),
                info.expiresAt.map(date) ?? "-", info.rateLimit.map(rate) ?? "-", info.quota.map(quota) ?? "-",
                info.accessKeyID ?? "-",
            ])
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }

    static func date(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }

    static func rate(_ limit: RateLimit) -> String {
        let perSecond = limit.perSecond
        let text = perSecond == perSecond.rounded() ? "\(Int(perSecond))/s" : String(format: "%.3f/s", perSecond)
        return "\(text) burst \(limit.burst)"
    }

    static func quota(_ quota: Quota) -> String {
        "\(quota.limit)/\(quota.period.rawValue)"
    }
}
