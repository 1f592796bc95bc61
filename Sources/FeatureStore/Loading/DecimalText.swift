/// The shortest exact decimal text of a JSON number, as feature values are stored: `12.50` → `12.5`, `1e2` → `100`,
/// `-0.0` → `0`. Digits are kept exactly (no binary floating point in between, so 20-digit ids survive). Like
/// JavaScript's number formatting, the plain form is used from 1e-6 up to 1e21, an exponent outside (`1e21`,
/// `1.5e-7`).
enum DecimalText {
    /// The canonical text of `text`, a JSON number; nil when `text` is not one.
    static func canonical(_ text: String) -> String? {
        var bytes = Array(text.utf8)[...]
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { bytes = bytes.dropFirst() }
        let integer = bytes.prefix(while: isDigit)
        guard !integer.isEmpty, integer.count == 1 || integer.first != UInt8(ascii: "0") else { return nil }
        bytes = bytes.dropFirst(integer.count)
        var fraction: ArraySlice<UInt8> = []
        if bytes.first == UInt8(ascii: ".") {
            fraction = bytes.dropFirst().prefix(while: isDigit)
            guard !fraction.isEmpty else { return nil }
            bytes = bytes.dropFirst(1 + fraction.count)
        }
        var exponent = 0
        if let marker = bytes.first, marker == UInt8(ascii: "e") || marker == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            let exponentNegative = bytes.first == UInt8(ascii: "-")
            if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
            let digits = bytes.prefix(while: isDigit)
            guard !digits.isEmpty, digits.count <= 9 else { return nil }
            bytes = bytes.dropFirst(digits.count)
            exponent = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) } * (exponentNegative ? -1 : 1)
        }
        guard bytes.isEmpty else { return nil }
        return render(negative: negative, digits: Array(integer + fraction), pointAfter: integer.count + exponent)
    }

    /// `digits` with the decimal point after `pointAfter` of them (which may lie outside the digits).
    private static func render(negative: Bool, digits: [UInt8], pointAfter: Int) -> String {
        var significant = digits[...]
        var point = pointAfter
        while significant.first == UInt8(ascii: "0") {
            significant = significant.dropFirst()
            point -= 1
        }
        while significant.last == UInt8(ascii: "0") { significant = significant.dropLast() }
        guard !significant.isEmpty else { return "0" }
        let count = significant.count
        var output: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        if point > 21 || point <= -6 {
            output.append(significant[significant.startIndex])
            if count > 1 { output += [UInt8(ascii: ".")] + significant.dropFirst() }
            output += Array("e\(point - 1)".utf8)
        } else if point <= 0 {
            output += Array("0.".utf8) + [UInt8](repeating: UInt8(ascii: "0"), count: -point) + significant
        } else if point >= count {
            output += significant + [UInt8](repeating: UInt8(ascii: "0"), count: point - count)
        } else {
            output += significant.prefix(point) + [UInt8(ascii: ".")] + significant.dropFirst(point)
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
