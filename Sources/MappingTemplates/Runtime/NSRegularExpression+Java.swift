import Foundation

extension NSRegularExpression {
    /// Compiles a Java regular expression. Java accepts the empty pattern (it matches everywhere);
    /// NSRegularExpression needs it spelled out as an empty group.
    convenience init(javaPattern pattern: String, options: NSRegularExpression.Options = []) throws {
        try self.init(pattern: pattern.isEmpty ? "(?:)" : pattern, options: options)
    }
}
