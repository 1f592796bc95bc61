/// A configuration problem, located by file, line and key.
///
/// Printed as `gateway.conf:12: endpoint[0].variant[1].weight: must be a number`.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configuration file path as given.
    public var file: String
    /// 1-based line of the offending key or table, when known.
    public var line: Int?
    /// Dotted key path, with array-of-tables indexes (`endpoint[0].variant[1].weight`).
    public var key: String
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(file: String, line: Int?, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        return key.isEmpty ? "\(location): \(message)" : "\(location): \(key): \(message)"
    }
}
