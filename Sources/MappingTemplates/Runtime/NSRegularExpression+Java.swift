import Foundation

extension NSRegularExpression {
    /// Compiles a Java regular expression. Java accepts the empty pattern (it matches everywhere);
    /// NSRegularExpression needs it spelled out as an empty group.
    convenience init(javaPattern pattern: String, options: NSRegularExpression.Options = []) throws {
        try self.init(pattern: pattern.isEmpty ? "(?:)" : pattern, options: options)
    }

    /// The most work one match operation may do, counted in the match engine's progress reports (ICU reports every
    /// 10,000 steps): about a million steps, a few milliseconds. A pattern that backtracks catastrophically
    /// (`(a+)+$` against a long run of `a`s) would otherwise hold the event loop for seconds.
    static let maxProgressReports = 100

    /// The matches in `range` of `text`, at most `limit` of them; throws ``RegexWorkLimitExceeded`` when finding
    /// them takes more than ``maxProgressReports``.
    func boundedMatches(
        in text: String, options: MatchingOptions = [], range: NSRange, limit: Int = .max
    ) throws(RegexWorkLimitExceeded) -> [NSTextCheckingResult] {
        var results: [NSTextCheckingResult] = []
        var reports = 0
        var exceeded = false
        enumerateMatches(in: text, options: options.union(.reportProgress), range: range) { result, flags, stop in
            if let result {
                results.append(result)
                if results.count >= limit { stop.pointee = true }
            } else if flags.contains(.progress) {
                reports += 1
                if reports > Self.maxProgressReports {
                    exceeded = true
                    stop.pointee = true
                }
            }
        }
        if exceeded { throw RegexWorkLimitExceeded(pattern: pattern) }
        return results
    }

    /// Whether the pattern matches the whole of `text`, as Java's `Matcher.matches()`. The first match at the start
    /// is not always the longest (`a|ab` against "ab"), so when it falls short, `whole` (the same pattern compiled as
    /// `(?:pattern)\z`, only then) decides.
    func javaMatches(_ text: String, whole: () -> NSRegularExpression?) throws(RegexWorkLimitExceeded) -> Bool {
        let range = NSRange(location: 0, length: (text as NSString).length)
        guard let match = try boundedMatches(in: text, options: [.anchored], range: range, limit: 1).first else {
            return false
        }
        if match.range.length == range.length { return true }
        guard let whole = whole() else { return false }
        return try !whole.boundedMatches(in: text, options: [.anchored], range: range, limit: 1).isEmpty
    }
}

/// A regular expression did more work than ``NSRegularExpression/maxProgressReports`` allows on one text.
struct RegexWorkLimitExceeded: Error {
    var pattern: String

    var message: String {
        "regular expression '\(pattern)' exceeded its work limit of about \(NSRegularExpression.maxProgressReports * 10_000) "
            + "steps (it backtracks too much on this text)"
    }
}
