import ArgumentParser
import AsyncHTTPClient
import Foundation
import InvocationCore
import NIOCore
import WireFormats

/// `mlgateway shadow report`: how shadow variants' answers compare with production's, from a running gateway.
struct ShadowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shadow",
        abstract: "Compare shadow variants' answers with production's.",
        subcommands: [Report.self])

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print (JSON) or write (HTML with plots) the shadow comparison of a running gateway.",
            discussion: """
                Asks the gateway of --config for GET /admin/shadows on its admin listener, with its admin token \
                (admin_token or MLGATEWAY_ADMIN_TOKEN). Counts cover the time since the gateway started.
                """)

        @OptionGroup var options: ConfigOptions

        @Option(help: "The endpoint whose shadow variants to report (all endpoints when absent).")
        var endpoint: String?

        @Option(help: "json (to standard output or --output) or html (a page with plots; needs --output).")
        var format: Format = .json

        @Option(help: "The file to write instead of standard output.")
        var output: String?

        enum Format: String, ExpressibleByArgument {
            case json
            case html
        }

        func validate() throws {
            if format == .html, output == nil { throw ValidationError("--format html needs --output FILE") }
        }

        func run() async throws {
            let configuration = try options.load()
            let server = configuration.server
            let host = ["0.0.0.0", "::", ""].contains(server.adminListen.host) ? "127.0.0.1" : server.adminListen.host
            var url = "http://\(host.contains(":") ? "[\(host)]" : host):\(server.adminListen.port)/admin/shadows"
            if let endpoint {
                url +=
                    "?endpoint=" + (endpoint.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? endpoint)
            }
            var request = HTTPClientRequest(url: url)
            if let token = server.adminToken { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            let body: ByteBuffer
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                body = try await response.body.collect(upTo: 16 << 20)
                guard response.status == .ok else {
                    throw ShadowCommand.fail("\(url) answered \(response.status.code): \(String(buffer: body))")
                }
            } catch let error as ExitCode {
                throw error
            } catch {
                throw ShadowCommand.fail("cannot reach the gateway's admin listener at \(url): \(error)")
            }
            let text: String
            switch format {
            case .json: text = String(buffer: body) + "\n"
            case .html: text = try ShadowReportPage.render(json: Data(buffer: body), endpoint: endpoint)
            }
            if let output {
                try Data(text.utf8).write(to: URL(fileURLWithPath: output))
                print("wrote \(output)")
            } else {
                print(text, terminator: "")
            }
        }
    }

    /// Prints `message` on standard error; exit status 1.
    static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode(1)
    }
}

/// The HTML page of `shadow report --format html`: per shadow variant, its rates, latencies and the distribution of
/// relative differences as an inline SVG bar chart. One file, no script, nothing loaded from elsewhere.
enum ShadowReportPage {
    static func render(json: Data, endpoint: String?) throws -> String {
        guard let document = try JSONSerialization.jsonObject(with: json) as? [String: Any],
            let shadows = document["shadows"] as? [[String: Any]]
        else { throw ShadowCommand.fail("the gateway's answer has no \"shadows\" list") }
        let title = "Shadow comparison" + (endpoint.map { " of \($0)" } ?? "")
        var html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
            <style>body{font:14px system-ui,sans-serif;margin:2rem;color:#1f2937}table{border-collapse:collapse}
            td,th{padding:.3rem .6rem;border-bottom:1px solid #e5e7eb;text-align:left}h2{margin-top:2rem}
            .bad{color:#b91c1c;font-weight:600}.ok{color:#047857}</style></head><body><h1>\(escape(title))</h1>
            """
        if shadows.isEmpty { html += "<p>No shadow variants.</p>" }
        for shadow in shadows {
            let name = "\(shadow["endpoint"] ?? "") / \(shadow["variant"] ?? "")"
            let agreement = shadow["agreement_rate"] as? Double
            let latency = shadow["mean_model_latency_ms"] as? [String: Any]
            let relative = shadow["relative_difference"] as? [String: Any]
            html += "<h2>\(escape(name))</h2><table>"
            html += row("answers compared", "\(shadow["compared"] ?? 0)")
            html += row(
                "agreement", percent(agreement), good: agreement.map { $0 >= 0.99 })
            html += row("same status", percent(shadow["status_match_rate"] as? Double))
            html += row("same bytes", percent(shadow["exact_match_rate"] as? Double))
            html += row("same structure", percent(shadow["structure_match_rate"] as? Double))
            for quantile in ["p50", "p90", "p99"] {
                html += row("relative difference \(quantile) ≤", number(relative?[quantile]))
            }
            html += row("largest absolute difference", number(shadow["max_absolute_difference"]))
            html += row("mean model latency, production (ms)", number(latency?["production"]))
            html += row("mean model latency, shadow (ms)", number(latency?["shadow"]))
            html += "</table>"
            html += chart(relative?["buckets"] as? [[String: Any]] ?? [])
        }
        return html + "</body></html>\n"
    }

    /// Bars of the answers per relative-difference bucket.
    private static func chart(_ buckets: [[String: Any]]) -> String {
        let counts = buckets.map { ($0["count"] as? Int) ?? 0 }
        guard let top = counts.max(), top > 0 else { return "<p>No answers with numbers to compare yet.</p>" }
        let width = 40
        let height = 160
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(buckets.count * width + 20)\" height=\"\(height + 40)\" role=\"img\" aria-label=\"answers per relative difference\">"
        for (index, bucket) in buckets.enumerated() {
            let count = counts[index]
            let bar = Int((Double(count) / Double(top) * Double(height)).rounded())
            let x = 10 + index * width
            svg +=
                "<rect x=\"\(x)\" y=\"\(height - bar + 10)\" width=\"\(width - 6)\" height=\"\(bar)\" fill=\"#2563eb\"><title>≤ \(number(bucket["le"])): \(count)</title></rect>"
            svg += "<text x=\"\(x)\" y=\"\(height + 28)\" font-size=\"9\">\(escape(number(bucket["le"])))</text>"
        }
        return svg + "</svg><p>Answers per bucket of their largest relative difference (upper bounds).</p>"
    }

    private static func row(_ label: String, _ value: String, good: Bool? = nil) -> String {
        let style = good.map { $0 ? " class=\"ok\"" : " class=\"bad\"" } ?? ""
        return "<tr><th>\(escape(label))</th><td\(style)>\(escape(value))</td></tr>"
    }

    private static func percent(_ value: Double?) -> String {
        value.map { String(format: "%.2f%%", $0 * 100) } ?? "–"
    }

    private static func number(_ value: Any?) -> String {
        guard let value = value as? Double else { return "–" }
        return value == 0 || (1e-3...1e6).contains(abs(value))
            ? String(format: "%g", value) : String(format: "%.0e", value)
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
