import ArgumentParser
import Foundation
import Gateway
import InvocationCore
import Logging

/// `mlgateway serve --config gateway.conf`: runs the gateway until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the gateway (reloads the configuration on SIGHUP).")

    @OptionGroup var options: ConfigOptions

    @Flag(name: .customLong("check"), help: "Only validate the configuration and exit.")
    var checkOnly = false

    func run() async throws {
        let configuration = try options.load()
        if checkOnly {
            let count = configuration.endpoints.count
            print("\(options.config): OK (\(count) endpoint\(count == 1 ? "" : "s"))")
            return
        }
        let level = Logger.Level(rawValue: configuration.server.logLevel) ?? .info
        LoggingSystem.bootstrap { label in GatewayLogHandler(label: label, level: level) }
        let logger = Logger(label: "mlgateway")
        if !EventLoopThreads.install(threads: configuration.server.threads) {
            logger.warning("Swift concurrency's global executor hook is unavailable; tasks run on the default executor")
        }
        let server: GatewayServer
        do {
            server = try GatewayServer(configuration: configuration, logger: logger)
        } catch {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
        try await server.run { client, admin in
            logger.info(
                "Gateway listening",
                metadata: [
                    "client": "\(configuration.server.listen.host):\(client)",
                    "admin": "\(configuration.server.adminListen.host):\(admin)",
                ])
        }
    }
}

/// The `--config` option shared by the subcommands.
struct ConfigOptions: ParsableArguments {
    @Option(help: "Path of the configuration file.")
    var config = "gateway.conf"

    /// Loads the configuration, turning a configuration error into a clean exit with its location.
    func load() throws -> GatewayConfiguration {
        do {
            return try GatewayConfiguration.load(contentsOf: config)
        } catch {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
    }
}
