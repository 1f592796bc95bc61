import Foundation
import Hummingbird
import InvocationCore
import NIOCore
import WireFormats

extension AdminAPI {
    /// Adds the drift monitor's report to the admin group (behind the admin token). Reports are the output folders
    /// of `mlgateway monitor run --output <state_dir>/monitor/<run>`; the newest folder holding a `drift.json` is
    /// the latest report:
    ///
    /// - `GET /admin/monitor/latest`: `{"run", "modified", "drift", "constraint_violations"}`, the last two being
    ///   the run's own `drift.json` and `constraint_violations.json` passed through as written;
    /// - `GET /admin/monitor/latest/report.html`: its self-contained HTML report.
    static func addMonitorRoutes(to admin: RouterGroup<GatewayRequestContext>, runtime: GatewayRuntime) {
        admin.get("monitor/latest") { _, _ in
            let run = try MonitorReports.latest(in: runtime.configuration.server.stateDirectory)
            let drift = try run.readJSON("drift.json")
            let violations = (try? run.readJSON("constraint_violations.json")) ?? #"{"violations":[]}"#
            var modified: [UInt8] = []
            UTCTime(run.modified).appendISO8601(to: &modified)
            let document =
                "{\"run\":\(JSONText.quoted(run.name)),\"modified\":\"\(String(decoding: modified, as: UTF8.self))\","
                + "\"drift\":\(drift),\"constraint_violations\":\(violations)}"
            return HealthAPI.json(status: .ok, document)
        }
        admin.get("monitor/latest/report.html") { _, _ in
            let run = try MonitorReports.latest(in: runtime.configuration.server.stateDirectory)
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: try run.read("report.html"))))
        }
    }
}

/// The drift monitor's report folders under `<state_dir>/monitor`.
enum MonitorReports {
    struct Run {
        let name: String
        let directory: URL
        let modified: Date

        /// A file of the run; 404 when it is missing.
        func read(_ file: String) throws(GatewayError) -> String {
            guard let text = try? String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8) else {
                throw GatewayError(
                    code: .resourceNotFound, status: .notFound, message: "The report \"\(name)\" has no \(file).")
            }
            return text
        }

        /// A JSON file of the run, checked to be JSON (a run still writing it, or a file edited by hand, is a clear
        /// 409 rather than a broken answer).
        func readJSON(_ file: String) throws(GatewayError) -> String {
            var text = try read(file)
            let valid = text.withUTF8 { bytes in
                (try? JSONScanner(bytes: UnsafeRawBufferPointer(bytes)).validate()) != nil
            }
            guard valid else {
                throw GatewayError(
                    code: .conflict, status: .conflict,
                    message: "The report \"\(name)\" has a \(file) that is not JSON (is the run still writing it?).")
            }
            return text
        }
    }

    /// The newest run folder with a `drift.json`; 404 when there is none.
    static func latest(in stateDirectory: URL) throws(GatewayError) -> Run {
        let root = stateDirectory.appendingPathComponent("monitor")
        let folders =
            (try? FileManager.default.contentsOfDirectory(
                at: root, includingPropertiesForKeys: [.contentModificationDateKey])) ?? []
        let runs = folders.compactMap { folder -> Run? in
            let drift = folder.appendingPathComponent("drift.json")
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: drift.path),
                let modified = attributes[.modificationDate] as? Date
            else { return nil }
            return Run(name: folder.lastPathComponent, directory: folder, modified: modified)
        }
        guard let newest = runs.max(by: { $0.modified < $1.modified }) else {
            throw GatewayError(
                code: .resourceNotFound, status: .notFound,
                message:
                    "No drift monitor report in \(root.path): run mlgateway monitor run --output \(root.path)/<run>.")
        }
        return newest
    }
}
