import Foundation
import Logging
import Testing

@testable import Gateway
@testable import InvocationCore

@Suite("GatewayRuntime reload")
struct GatewayRuntimeReloadTests {
    private static func text(weightB: String) -> String {
        """
        [[endpoint]]
        name = "demo"

        [[endpoint.variant]]
        name = "VariantA"
        backends = ["http://127.0.0.1:9001"]

        [[endpoint.variant]]
        name = "VariantB"
        weight = \(weightB)
        backends = ["http://127.0.0.1:9002"]
        """
    }

    /// A runtime loaded from a file in a fresh temporary directory.
    private func makeRuntime() throws -> (GatewayRuntime, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mlgw-reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("gateway.conf")
        try Data(Self.text(weightB: "1").utf8).write(to: file)
        let configuration = try GatewayConfiguration.load(contentsOf: file.path, environment: [:])
        return (try GatewayRuntime(configuration: configuration, features: nil, logger: Logger(label: "test")), file)
    }

    @Test func reloadSwapsInTheNewConfiguration() throws {
        let (runtime, file) = try makeRuntime()
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        #expect(runtime.generation == 1)
        try Data(Self.text(weightB: "0").utf8).write(to: file)
        #expect(try runtime.reload() == 2)
        #expect(runtime.generation == 2)
        #expect(runtime.configuration.endpoint(named: "demo")?.variants.map(\.weight) == [1, 0])
        #expect(runtime.current.endpoints["demo"]?.router.production.map { $0.weight } == [1, 0])
    }

    @Test func invalidFileIsRejectedAndTheOldConfigurationStays() throws {
        let (runtime, file) = try makeRuntime()
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        try Data(Self.text(weightB: "\"heavy\"").utf8).write(to: file)
        #expect {
            try runtime.reload()
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.line == 10 && error.key == "endpoint[0].variant[1].weight" && error.file == file.path
        }
        #expect(runtime.generation == 1)
        #expect(runtime.configuration.endpoint(named: "demo")?.variants.map(\.weight) == [1, 1])
    }

    @Test func missingFileIsRejected() throws {
        let (runtime, file) = try makeRuntime()
        try FileManager.default.removeItem(at: file.deletingLastPathComponent())
        #expect(throws: ConfigurationError.self) { try runtime.reload() }
        #expect(runtime.generation == 1)
    }

    @Test func backendStateSurvivesAReload() throws {
        let (runtime, file) = try makeRuntime()
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let before = try #require(runtime.current.endpoints["demo"]?.production.first?.backends.first)
        try Data(Self.text(weightB: "3").utf8).write(to: file)
        try runtime.reload()
        let after = try #require(runtime.current.endpoints["demo"]?.production.first?.backends.first)
        #expect(before === after)
    }

    @Test func inFlightSnapshotKeepsItsRules() throws {
        let (runtime, file) = try makeRuntime()
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let snapshot = runtime.current
        try Data(Self.text(weightB: "0").utf8).write(to: file)
        try runtime.reload()
        #expect(snapshot.generation == 1)
        #expect(snapshot.endpoints["demo"]?.router.production.map { $0.weight } == [1, 1])
    }
}
