import Foundation

/// The cases recorded on real AWS that the tests check against, in `../shared/conformance/` beside the repository.
///
/// A clone without that folder must still pass its tests: outside CI the tests that need the data are skipped, with
/// the reason printed. Under CI (`CI=true`) they always run, so missing data fails them instead of hiding them.
public enum ConformanceData {
    /// `../shared/conformance`: the repository root is three levels above this file (symbolic links resolved).
    public static let directory: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/conformance").standardizedFileURL

    /// The file or folder `name` in ``directory``.
    public static func url(_ name: String) -> URL {
        directory.appendingPathComponent(name)
    }

    /// Whether the tests that need `name` run: under CI always, elsewhere when it is there.
    public static func isRequired(_ name: String) -> Bool {
        ProcessInfo.processInfo.environment["CI"] == "true" || FileManager.default.fileExists(atPath: url(name).path)
    }

    /// Why the tests that need `name` are skipped.
    public static func skipReason(_ name: String) -> String {
        "\(url(name).path) is missing: the conformance data recorded on AWS sits beside the repository "
            + "(../shared/conformance); these tests run whenever it is there, and always under CI=true"
    }
}
