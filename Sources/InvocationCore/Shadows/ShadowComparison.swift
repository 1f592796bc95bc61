import NIOCore

/// How a shadow variant's answer compares with the production answer to the same request.
///
/// Numbers are compared where both answers have the same shape: each answer is read as its text with every number
/// outside string literals replaced by a placeholder (its skeleton) and the sequence of those numbers. When the
/// skeletons are equal, the numbers are at the same JSON paths or CSV cells and are compared pairwise; otherwise
/// the answers disagree in structure. One scan over each body, off the request path.
package struct ShadowComparison: Sendable, Equatable {
    /// Both answered with the same status.
    package var statusMatch: Bool
    /// Both bodies are the same bytes.
    package var bodyMatch: Bool
    /// Both bodies have the same skeleton (the same text around their numbers).
    package var structureMatch: Bool
    /// Numbers compared pairwise (0 unless the structures match).
    package var numbersCompared: Int
    /// The largest `|shadow - production|` over the numbers compared; 0 when none were.
    package var maxAbsoluteDifference: Double
    /// The largest `|shadow - production| / max(|production|, |shadow|)` over the numbers compared (0 for two
    /// zeros); 0 when none were.
    package var maxRelativeDifference: Double

    /// The largest relative difference counted as agreement: printing the same float with other digits, not a
    /// different prediction.
    package static let relativeTolerance = 1e-6

    /// Whether the shadow agrees with production: the same status, and the same body or the same structure with
    /// every number within ``relativeTolerance``.
    package var agrees: Bool {
        statusMatch && (bodyMatch || (structureMatch && maxRelativeDifference <= Self.relativeTolerance))
    }

    /// Compares two answers.
    package init(productionStatus: Int, production: ByteBuffer, shadowStatus: Int, shadow: ByteBuffer) {
        statusMatch = productionStatus == shadowStatus
        bodyMatch = production == shadow
        numbersCompared = 0
        maxAbsoluteDifference = 0
        maxRelativeDifference = 0
        if bodyMatch {
            structureMatch = true
            return
        }
        let left = NumericSkeleton(production.readableBytesView)
        let right = NumericSkeleton(shadow.readableBytesView)
        structureMatch = left.skeleton == right.skeleton
        guard structureMatch else { return }
        numbersCompared = left.numbers.count
        for (expected, actual) in zip(left.numbers, right.numbers) {
            let absolute = abs(actual - expected)
            let scale = max(abs(expected), abs(actual))
            maxAbsoluteDifference = max(maxAbsoluteDifference, absolute)
            maxRelativeDifference = max(maxRelativeDifference, scale == 0 ? 0 : absolute / scale)
        }
    }
}

/// A body's text with each number outside string literals replaced by `#`, and those numbers in order.
struct NumericSkeleton: Equatable {
    var skeleton: [UInt8] = []
    var numbers: [Double] = []

    init(_ bytes: some Collection<UInt8>) {
        skeleton.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        var previous: UInt8 = 0
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                // A string literal, escapes included, is kept as text: numbers inside it are not numbers.
                skeleton.append(byte)
                index = bytes.index(after: index)
                var escaped = false
                while index != bytes.endIndex {
                    let inner = bytes[index]
                    skeleton.append(inner)
                    index = bytes.index(after: index)
                    if escaped {
                        escaped = false
                    } else if inner == UInt8(ascii: "\\") {
                        escaped = true
                    } else if inner == UInt8(ascii: "\"") {
                        break
                    }
                }
                previous = UInt8(ascii: "\"")
                continue
            }
            if Self.startsNumber(byte), !Self.isWordByte(previous) {
                var end = bytes.index(after: index)
                while end != bytes.endIndex, Self.continuesNumber(bytes[end]) { end = bytes.index(after: end) }
                if let value = Double(String(decoding: bytes[index..<end], as: UTF8.self)), value.isFinite {
                    skeleton.append(UInt8(ascii: "#"))
                    numbers.append(value)
                    previous = UInt8(ascii: "0")
                    index = end
                    continue
                }
            }
            skeleton.append(byte)
            previous = byte
            index = bytes.index(after: index)
        }
    }

    private static func startsNumber(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func continuesNumber(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: "-")
    }

    /// Letters, digits and `_`: a number right after one is part of a word (`v2`, `x_1`), not a value.
    private static func isWordByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: ".")
    }
}
