import Foundation

/// Renders a self-contained HTML page (inline CSS and SVG, no scripts or external files) of a monitoring run.
struct HTMLReport {
    let baseline: Baseline
    let current: DatasetAccumulator
    let result: MonitorResult
    let runner: MonitorRunner

    static let histogramBins = 20
    static let maxCategories = 12

    func render() -> String {
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>mlgateway drift report</title>
            <style>
            body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#222;max-width:1100px}
            table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.25rem .6rem;text-align:left}
            th{background:#f4f4f4}.feature{border:1px solid #ddd;border-radius:6px;padding:1rem;margin:1rem 0}
            .grid{display:flex;gap:1.5rem;flex-wrap:wrap;align-items:flex-start}.badge{font-size:.8rem;padding:.1rem .5rem;border-radius:4px;color:#fff}
            .drift{background:#c0392b}.ok{background:#2e8b57}.na{background:#888}.meta{color:#555}
            .legend span{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 .8rem;vertical-align:middle}
            </style></head><body>
            <h1>Drift report</h1>

            """
        html +=
            "<p class=\"meta\">Baseline <code>\(escape(runner.baseline.path))</code> · captures <code>\(escape(runner.capture.path))</code>"
        html +=
            " · endpoint \(escape(runner.endpoint ?? "all")) · variant \(escape(runner.variant ?? "all but shadow"))"
        if let since = runner.since { html += " · since \(since.formatted(.iso8601))" }
        if let until = runner.until { html += " · until \(until.formatted(.iso8601))" }
        html += " · comparison \(result.comparisonMethod.rawValue)</p>\n"
        html +=
            "<table><tr><th>capture files</th><th>records</th><th>rows</th><th>corrupt lines</th><th>skipped records</th><th>baseline rows</th><th>violations</th></tr>"
        html +=
            "<tr><td>\(result.files)</td><td>\(result.records)</td><td>\(result.rows)</td><td>\(result.corruptLines)</td>"
        html +=
            "<td>\(result.skippedRecords)</td><td>\(baseline.itemCount)</td><td>\(result.violations.count)</td></tr></table>\n"
        html += "<h2>Violations</h2>\n"
        if result.violations.isEmpty {
            html += "<p>None.</p>\n"
        } else {
            html += "<table><tr><th>feature</th><th>check</th><th>description</th></tr>"
            for violation in result.violations {
                html +=
                    "<tr><td>\(escape(violation.featureName))</td><td>\(violation.constraintCheckType.rawValue)</td>"
                html += "<td>\(escape(violation.description))</td></tr>"
            }
            html += "</table>\n"
        }
        html += "<h2>Features</h2>\n"
        for (index, drift) in result.features.enumerated() {
            html += section(baseline.features[index], current.features[index], drift)
        }
        html += "</body></html>\n"
        return html
    }

    private func section(_ feature: Baseline.Feature, _ accumulator: FeatureAccumulator, _ drift: FeatureDrift)
        -> String
    {
        let verdict: (String, String) =
            drift.distance == nil ? ("na", "not compared") : drift.drift ? ("drift", "drift") : ("ok", "no drift")
        var html = "<section class=\"feature\"><h3>\(escape(feature.name)) <small>(\(feature.type.rawValue))</small> "
        html += "<span class=\"badge \(verdict.0)\">\(verdict.1)</span></h3><div class=\"grid\">"
        html += plot(feature, accumulator)
        html += "<table>"
        html += row("L-infinity distance", drift.distance.map(format) ?? "–")
        html += row("threshold", drift.threshold.map(format) ?? "–")
        if feature.type.isNumeric { html += row("KS p-value", drift.ksPValue.map(formatP) ?? "–") }
        html += row("PSI", drift.psi.map(format) ?? "–")
        html += row("Jensen–Shannon distance", drift.jsDistance.map(format) ?? "–")
        html += row("values (baseline / current)", "\(drift.baselineCount) / \(drift.currentCount)")
        html += row(
            "completeness (baseline / current)",
            "\(feature.completeness.map(percent) ?? "–") / \(current.rows > 0 ? percent(accumulator.completeness) : "–")"
        )
        html += "</table></div>"
        let violations = result.violations.filter { $0.featureName == feature.name }
        if !violations.isEmpty {
            html +=
                "<ul>"
                + violations.map { "<li><b>\($0.constraintCheckType.rawValue)</b>: \(escape($0.description))</li>" }
                .joined() + "</ul>"
        }
        return html + "</section>\n"
    }

    private func row(_ name: String, _ value: String) -> String {
        "<tr><th>\(escape(name))</th><td>\(escape(value))</td></tr>"
    }

    private func plot(_ feature: Baseline.Feature, _ accumulator: FeatureAccumulator) -> String {
        if feature.type.isNumeric, let sketch = feature.sketch {
            return histogram(sketch.weightedItems(), accumulator.sketch.weightedItems())
        }
        if feature.type == .string {
            return categories(feature.categories, accumulator.categories)
        }
        return ""
    }

    private static let legend =
        "<div class=\"legend\"><span style=\"background:#4c78a8\"></span>baseline<span style=\"background:#f58518\"></span>current</div>"

    /// Side-by-side bars of the baseline and current shares over equal-width bins spanning both.
    private func histogram(
        _ baselineItems: [(value: Double, weight: Int)], _ currentItems: [(value: Double, weight: Int)]
    ) -> String {
        let values = baselineItems.map(\.value) + currentItems.map(\.value)
        guard let low = values.min(), let high = values.max() else { return "" }
        let bins = Self.histogramBins
        let width = high > low ? (high - low) / Double(bins) : 1
        func shares(_ items: [(value: Double, weight: Int)]) -> [Double] {
            var counts = [Double](repeating: 0, count: bins)
            let total = Double(items.reduce(0) { $0 + $1.weight })
            for item in items { counts[min(bins - 1, max(0, Int((item.value - low) / width)))] += Double(item.weight) }
            return total > 0 ? counts.map { $0 / total } : counts
        }
        let baselineShares = shares(baselineItems)
        let currentShares = shares(currentItems)
        let top = max(baselineShares.max() ?? 0, currentShares.max() ?? 0, 1e-9)
        let (chartWidth, chartHeight, left, bottom) = (560.0, 180.0, 40.0, 20.0)
        let slot = (chartWidth - left) / Double(bins)
        var svg =
            "<div><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(chartWidth))\" height=\"\(Int(chartHeight + bottom))\" role=\"img\">"
        svg += "<line x1=\"\(left)\" y1=\"\(chartHeight)\" x2=\"\(chartWidth)\" y2=\"\(chartHeight)\" stroke=\"#999\"/>"
        for bin in 0..<bins {
            let x = left + Double(bin) * slot
            for (offset, (share, color)) in [(baselineShares[bin], "#4c78a8"), (currentShares[bin], "#f58518")]
                .enumerated()
            {
                let height = share / top * (chartHeight - 10)
                svg +=
                    "<rect x=\"\(svgNumber(x + 1 + Double(offset) * (slot - 2) / 2))\" y=\"\(svgNumber(chartHeight - height))\""
                svg += " width=\"\(svgNumber((slot - 2) / 2))\" height=\"\(svgNumber(height))\" fill=\"\(color)\"/>"
            }
        }
        svg += text(left - 4, 12, percent(top), anchor: "end")
        svg += text(left, chartHeight + 15, format(low), anchor: "start")
        svg += text(chartWidth, chartHeight + 15, format(high), anchor: "end")
        return svg + "</svg>" + Self.legend + "</div>"
    }

    /// Paired horizontal bars of the most frequent categories.
    private func categories(_ baseline: [String: Int], _ current: [String: Int]) -> String {
        let shares = DriftMeasures.categoryShares(baseline, current)
        let ranked = shares.keys.indices.sorted {
            max(shares.baseline[$0], shares.current[$0]) > max(shares.baseline[$1], shares.current[$1])
        }.prefix(Self.maxCategories)
        guard !ranked.isEmpty else { return "" }
        let top = max(ranked.map { max(shares.baseline[$0], shares.current[$0]) }.max() ?? 0, 1e-9)
        let (left, barWidth, rowHeight) = (150.0, 380.0, 22.0)
        var svg =
            "<div><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(left + barWidth + 60))\" height=\"\(Int(rowHeight * Double(ranked.count) + 4))\" role=\"img\">"
        for (rowIndex, key) in ranked.enumerated() {
            let y = Double(rowIndex) * rowHeight + 2
            let label = shares.keys[key] == Baseline.otherCategory ? "(other)" : String(shares.keys[key].prefix(22))
            svg += text(left - 6, y + 14, label, anchor: "end")
            for (offset, (share, color)) in [(shares.baseline[key], "#4c78a8"), (shares.current[key], "#f58518")]
                .enumerated()
            {
                svg +=
                    "<rect x=\"\(left)\" y=\"\(svgNumber(y + Double(offset) * 9))\" width=\"\(svgNumber(share / top * barWidth))\""
                svg += " height=\"8\" fill=\"\(color)\"/>"
            }
            svg += text(left + barWidth + 4, y + 14, percent(shares.current[key]), anchor: "start")
        }
        return svg + "</svg>" + Self.legend + "</div>"
    }

    private func text(_ x: Double, _ y: Double, _ content: String, anchor: String) -> String {
        "<text x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" font-size=\"11\" text-anchor=\"\(anchor)\">\(escape(content))</text>"
    }

    private func svgNumber(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    private func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}
