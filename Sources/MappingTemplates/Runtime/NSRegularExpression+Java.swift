import Foundation

extension NSRegularExpression {
    /// Compiles a Java regular expression. Java accepts the empty pattern (it matches everywhere);
    /// NSRegularExpression needs it spelled out as an empty group.
    convenience init(javaPattern pattern: String, options: NSRegularExpression.Options = []) throws {
        try self.init(pattern: pattern.isEmpty ? "(?:)" : pattern, options: options)
    }

    /// Whether the pattern matches the whole of `text`, as Java's `Matcher.matches()`. The first match at the start
    /// is not always the longest (`a|ab` against "ab"), so when it falls short, `whole` (the same pattern compiled as
    /// `(?:pattern)\z`) decides.
    func javaMatches<Failure: Error>(
        _ text: String, whole: () throws(Failure) -> NSRegularExpression
    ) throws(Failure) -> Bool {
        let range = NSRange(location: 0, length: (text as NSString).length)
        guard let match = firstMatch(in: text, options: [.anchored], range: range) else { return false }
        if match.range.length == range.length { return true }
        return try whole().firstMatch(in: text, options: [.anchored], range: range) != nil
    }
}
