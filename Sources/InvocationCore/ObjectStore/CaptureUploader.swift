import DataCapture
import Foundation
import Logging
import Metrics
import NIOCore
import ServiceLifecycle

/// Uploads the closed capture files of endpoints with `[endpoint.capture] upload` to the object store, in SageMaker's
/// key layout (`{prefix}/{endpoint}/{variant}/yyyy/mm/dd/hh/{file}`), then removes them: with `upload`, the local
/// destination is a staging area.
///
/// Every ``interval`` it looks for `.jsonl` files the writer no longer writes (``DataCapture/CaptureWriter/isOpen(path:)``;
/// files are never reopened) and uploads them one by one. A failed upload leaves the file for the next pass; files
/// closed at shutdown, or left by a killed process, are uploaded by the next start's first pass. Each file's name
/// carries the replica id, so replicas sharing a bucket never write the same object.
package struct CaptureUploader: Service {
    /// Pause between passes.
    package static let interval = Duration.seconds(5)

    package let runtime: GatewayRuntime
    package let writer: CaptureWriter
    package let logger: Logger

    package init(runtime: GatewayRuntime, writer: CaptureWriter, logger: Logger) {
        self.runtime = runtime
        self.writer = writer
        self.logger = logger
    }

    package func run() async {
        await cancelWhenGracefulShutdown {
            repeat {
                await uploadClosedFiles()
            } while (try? await Task.sleep(for: Self.interval)) != nil
        }
    }

    /// One pass over every endpoint that uploads; returns how many files were uploaded.
    @discardableResult
    package func uploadClosedFiles() async -> Int {
        let configuration = runtime.configuration
        guard let settings = configuration.objectStore else { return 0 }
        let client = ObjectStoreClient(configuration: settings)
        var uploaded = 0
        for endpoint in configuration.endpoints {
            guard let upload = endpoint.captureUpload, let capture = endpoint.capture else { continue }
            let destination = capture.destination.path
            for path in closedFiles(under: destination + "/" + endpoint.name) {
                let relative = String(path.dropFirst(destination.count + 1))
                let object = upload.appending(relative)
                do {
                    let data = try Data(contentsOf: URL(fileURLWithPath: path))
                    try await client.put(object, body: ByteBuffer(bytes: data), contentType: "application/jsonlines")
                    try FileManager.default.removeItem(atPath: path)
                    uploaded += 1
                    Counter(
                        label: "mlgateway_capture_uploads_total",
                        dimensions: [("endpoint", endpoint.name), ("outcome", "uploaded")]
                    ).increment()
                } catch {
                    Counter(
                        label: "mlgateway_capture_uploads_total",
                        dimensions: [("endpoint", endpoint.name), ("outcome", "failed")]
                    ).increment()
                    logger.warning(
                        "Capture file upload failed; retrying at the next pass",
                        metadata: ["capture.file": "\(path)", "capture.object": "\(object)", "error": "\(error)"])
                }
            }
        }
        return uploaded
    }

    /// The `.jsonl` files under `directory` that the writer has closed, oldest path first.
    private func closedFiles(under directory: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let path = directory + "/" + relative
            if relative.hasSuffix(".jsonl"), !writer.isOpen(path: path) { files.append(path) }
        }
        return files.sorted()
    }
}
