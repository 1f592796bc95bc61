import Foundation
import Logging
import TestSupport
import Testing

@testable import Gateway
@testable import InvocationCore

/// A temporary directory for one test, removed when the value goes away.
final class TemporaryDirectory: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tplint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes `text` to `name` inside the directory and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
        return file.path
    }

    var path: String { url.path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

enum TemplateFixtures {
    static let logger = Logger(label: "tplint-tests")

    /// A configuration with endpoint `demo` (variants `VariantA`, `VariantB`, shadow `Shadow`) whose backends are
    /// `backend`, plus `extra` TOML appended inside the endpoint table.
    static func configuration(
        in directory: TemporaryDirectory, endpointExtra: String = "", variantAExtra: String = "",
        backend: String = "http://127.0.0.1:9", tail: String = ""
    ) throws -> GatewayConfiguration {
        let text = """
            [server]
            state_dir = "state"

            [[endpoint]]
            name = "demo"
            \(endpointExtra)

            [[endpoint.variant]]
            name = "VariantA"
            backends = ["\(backend)"]
            \(variantAExtra)

            [[endpoint.variant]]
            name = "VariantB"
            weight = 0
            backends = ["\(backend)"]

            [[endpoint.variant]]
            name = "Shadow"
            shadow = true
            weight = 0
            backends = ["\(backend)"]
            \(tail)
            """
        let file = try directory.write("gateway.conf", text)
        return try GatewayConfiguration.load(contentsOf: file, environment: [:])
    }

    static let alice = TemplateStore.Actor(author: "alice", origin: "test")
    static let bob = TemplateStore.Actor(author: "bob", origin: "test")

    static func key(
        _ direction: TemplateDirection = .request, _ contentType: String = "application/json", variant: String = ""
    ) -> TemplateKey {
        TemplateKey(endpoint: "demo", variant: variant, direction: direction, contentType: contentType)
    }

    /// Polls `condition` until it holds or `timeout` passes.
    static func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool
    {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }
}

/// A finished `mlgateway` run with stdout and stderr kept apart.
struct CommandRun: Sendable {
    let status: Int32
    let stdout: [UInt8]
    let stderr: String

    var text: String { String(decoding: stdout, as: UTF8.self) }

    /// Runs the built `mlgateway` with `arguments` to completion.
    static func mlgateway(_ arguments: [String], input: String? = nil, in directory: URL? = nil) throws -> CommandRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BuiltProducts.path("mlgateway"))
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        if let input {
            let pipe = Pipe()
            process.standardInput = pipe
            try process.run()
            pipe.fileHandleForWriting.write(Data(input.utf8))
            try pipe.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandRun(
            status: process.terminationStatus, stdout: Array(stdout), stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// The repository's `templates/` directory.
enum RepositoryTemplates {
    static func path(_ name: String, file: String = #filePath) -> String {
        URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("templates").appendingPathComponent(name).path
    }
}
