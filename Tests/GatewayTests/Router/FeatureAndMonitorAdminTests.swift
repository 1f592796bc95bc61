import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

@testable import Gateway
@testable import InvocationCore

/// `/admin/features…` without a feature store and `/admin/monitor/latest…` over report folders (with a real
/// Redis, the console's browser test looks features up).
@Suite("Feature and monitor admin routes (router)")
struct FeatureAndMonitorAdminTests {
    @Test func featuresWithoutAStoreSayNotConfigured() async throws {
        let harness = try RouterHarness(RouterHarness.unreachableEndpoint())
        try await harness.adminApp.test(.router) { client in
            let response = try await client.execute(uri: "/admin/features", method: .get)
            #expect(response.status == .ok)
            #expect(
                String(buffer: response.body) == #"{"configured":false,"views":[],"warm":true,"warmup_keys_loaded":0}"#)
            let lookup = try await client.execute(uri: "/admin/features/users/entities/u1", method: .get)
            let error = try AWSError(lookup)
            #expect(error.status == .notFound)
            #expect(error.type == "ResourceNotFound")
            #expect(error.message.contains("[feature_store]"))
        }
    }

    @Test func latestReportIsTheNewestRunFolderWithADriftDocument() async throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("monitor-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        let harness = try RouterHarness(RouterHarness.unreachableEndpoint(extraServer: "state_dir = \"\(state.path)\""))
        try await harness.adminApp.test(.router) { client in
            let none = try AWSError(try await client.execute(uri: "/admin/monitor/latest", method: .get))
            #expect(none.status == .notFound)
            #expect(none.message.contains("monitor run --output"))

            let monitor = state.appendingPathComponent("monitor")
            for (run, age) in [("old", 3600.0), ("new", 0)] {
                let folder = monitor.appendingPathComponent(run)
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                let drift = folder.appendingPathComponent("drift.json")
                try Data(#"{"features":[{"name":"\#(run)"}]}"#.utf8).write(to: drift)
                try FileManager.default.setAttributes(
                    [.modificationDate: Date(timeIntervalSinceNow: -age)], ofItemAtPath: drift.path)
            }
            try FileManager.default.createDirectory(
                at: monitor.appendingPathComponent("unfinished"), withIntermediateDirectories: true)
            try Data("<!doctype html><p>report".utf8).write(
                to: monitor.appendingPathComponent("new/report.html"))

            let latest = try await client.execute(uri: "/admin/monitor/latest", method: .get)
            #expect(latest.status == .ok)
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(latest.body.readableBytesView)) as? [String: Any])
            #expect(json["run"] as? String == "new")
            #expect((json["drift"] as? [String: Any])?["features"] as? [[String: String]] == [["name": "new"]])
            #expect((json["constraint_violations"] as? [String: [Any]])?["violations"]?.isEmpty == true)
            #expect((json["modified"] as? String)?.hasSuffix("Z") == true)

            let report = try await client.execute(uri: "/admin/monitor/latest/report.html", method: .get)
            #expect(report.headers[.contentType] == "text/html; charset=utf-8")
            #expect(String(buffer: report.body) == "<!doctype html><p>report")

            try Data(#"{"features": [{"name": "#.utf8).write(to: monitor.appendingPathComponent("new/drift.json"))
            let partial = try AWSError(try await client.execute(uri: "/admin/monitor/latest", method: .get))
            #expect(partial.status == .conflict && partial.type == "ConflictException")
        }
    }
}
