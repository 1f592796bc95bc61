import ArgumentParser
import InvocationCore

/// The `mlgateway` command: the gateway server and its admin tools.
@main
struct MLGateway: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mlgateway",
        abstract: "An ML inference gateway speaking the SageMaker runtime API.",
        version: GatewayVersion.current,
        subcommands: [
            ServeCommand.self, TemplatesCommand.self, FeaturesCommand.self, KeysCommand.self, MonitorCommand.self,
            ShadowCommand.self,
        ])
}
