import Foundation

/// Resolves `X-Amzn-SageMaker-InputLocation` values to files under the configured input directory.
///
/// Accepted: `file:///absolute/path` and a path relative to `input_dir` (`batch/1.csv`). The resolved path,
/// symbolic links followed, must stay inside `input_dir`; `s3://` and other schemes are rejected.
package struct AsyncLocation: Sendable, Equatable {
    /// The input directory, resolved.
    package let inputDirectory: URL

    package init(inputDirectory: URL) {
        self.inputDirectory = inputDirectory.standardizedFileURL.resolvingSymlinksInPath()
    }

    /// Why a location is not usable.
    package struct Rejection: Error, Equatable, CustomStringConvertible {
        package let description: String
    }

    /// The file `location` names.
    package func resolve(_ location: String) throws(Rejection) -> URL {
        let path: String
        if location.hasPrefix("file://") {
            guard let url = URL(string: location), url.scheme == "file", url.host == nil || url.host == "" else {
                throw Rejection(
                    description: "InputLocation \(location) is not a valid file:// URL (use file:///absolute/path).")
            }
            path = url.path
        } else if let colon = location.firstIndex(of: ":"), Self.isScheme(location[..<colon]),
            location[colon...].hasPrefix("://")
        {
            throw Rejection(
                description:
                    "InputLocation \(location) is not supported: use a file:// URL or a path under the gateway's input directory."
            )
        } else {
            path = location.hasPrefix("/") ? location : inputDirectory.appendingPathComponent(location).path
        }
        let resolved = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath()
        let root = inputDirectory.path.hasSuffix("/") ? inputDirectory.path : inputDirectory.path + "/"
        guard resolved.path.hasPrefix(root) else {
            throw Rejection(description: "InputLocation \(location) is outside the gateway's input directory.")
        }
        return resolved
    }

    /// Whether `text` is a URL scheme (RFC 3986: a letter, then letters, digits, `+`, `-` or `.`), as in `s3`.
    private static func isScheme(_ text: Substring) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") }
    }
}
