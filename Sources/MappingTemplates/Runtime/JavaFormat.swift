/// Java's textual forms, which API Gateway's output follows.
enum JavaFormat {
    /// `Double.toString`: `2.0`, `0.05`, `1.0E7`, `1.0E-4`, `NaN`, `Infinity`.
    static func double(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        let magnitude = abs(value)
        if magnitude >= 1e-3, magnitude < 1e7 {
            // Swift's shortest form is Java's plain decimal form in this range ("37.5", "2.0", "0.05").
            return value.description
        }
        let (digits, exponent) = shortestDigits(magnitude)
        let first = digits.prefix(1)
        let rest = digits.dropFirst()
        return (value < 0 ? "-" : "") + first + "." + (rest.isEmpty ? "0" : rest) + "E" + String(exponent)
    }

    /// The shortest round-tripping decimal digits of a positive finite value and its decimal exponent
    /// (value = d.ddd × 10^exponent).
    static func shortestDigits(_ value: Double) -> (String, Int) {
        let text = "\(value)"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var integerPart = mantissa
        var fractionPart: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<dot]
            fractionPart = mantissa[mantissa.index(after: dot)...]
        }
        var digits = String(integerPart) + fractionPart
        var pointExponent = integerPart.count - 1 + exponent
        while digits.count > 1, digits.first == "0" {
            digits.removeFirst()
            pointExponent -= 1
        }
        while digits.count > 1, digits.last == "0" { digits.removeLast() }
        return (digits, pointExponent)
    }

    /// `Integer.toString` / `Long.toString`.
    static func int(_ value: Int) -> String { String(value) }
}
