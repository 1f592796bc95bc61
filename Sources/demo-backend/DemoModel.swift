import Foundation
import Hummingbird

/// The demo "model": a deterministic score in (0, 1) per input row, `sigmoid(mean(values))`.
enum DemoModel {
    struct Answer {
        var status: HTTPResponse.Status
        var contentType: String
        var body: String
    }

    /// Scores CSV rows (one score per line) or JSON `{"instances": [[…], …]}` (`{"predictions": […]}`).
    static func predict(body: String, contentType: String) -> Answer {
        if contentType.lowercased().hasPrefix("application/json") {
            return predictJSON(body)
        }
        var scores: [String] = []
        for line in body.split(whereSeparator: \.isNewline) where !line.isEmpty {
            let values = line.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard values.allSatisfy({ $0 != nil }) else {
                return Answer(status: .badRequest, contentType: "text/plain", body: "could not parse CSV row: \(line)")
            }
            scores.append(format(score(values.compactMap { $0 })))
        }
        return Answer(status: .ok, contentType: "text/csv", body: scores.joined(separator: "\n"))
    }

    private static func predictJSON(_ body: String) -> Answer {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let instances = object["instances"] as? [Any]
        else {
            return Answer(
                status: .badRequest, contentType: "application/json",
                body: #"{"error":"expected a JSON object with an \"instances\" array"}"#)
        }
        let scores = instances.map { instance -> String in
            let values: [Double]
            if let row = instance as? [Any] {
                values = row.compactMap { ($0 as? NSNumber)?.doubleValue }
            } else if let fields = instance as? [String: Any] {
                values = fields.keys.sorted().compactMap { (fields[$0] as? NSNumber)?.doubleValue }
            } else {
                values = [(instance as? NSNumber)?.doubleValue ?? 0]
            }
            return format(score(values))
        }
        return Answer(
            status: .ok, contentType: "application/json", body: "{\"predictions\":[\(scores.joined(separator: ","))]}")
    }

    static func score(_ values: [Double]) -> Double {
        let mean = values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
        return 1 / (1 + exp(-mean))
    }

    static func format(_ value: Double) -> String {
        String(format: "%.6f", value)
    }
}
