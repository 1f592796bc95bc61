import Foundation
import FuzzTargets
import Testing

/// Replays every input kept in `Tests/FuzzInputs/<target>/` through its fuzz target: the seeds a fuzzing run starts
/// from, and each input that once crashed a target (named `crash-…`, `timeout-…` or `oom-…` as libFuzzer saved it),
/// so a fixed crash stays fixed in every test run, not only under `scripts/fuzz.sh`.
@Suite("Fuzz inputs")
struct FuzzInputTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("FuzzInputs")

    static func inputs(of target: FuzzTarget) throws -> [URL] {
        let folder = directory.appendingPathComponent(target.rawValue)
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test(arguments: FuzzTarget.allCases)
    func everyKeptInputRuns(_ target: FuzzTarget) throws {
        let inputs = try Self.inputs(of: target)
        #expect(!inputs.isEmpty, "no seed inputs for the \(target.rawValue) fuzz target")
        for input in inputs {
            target.run(Array(try Data(contentsOf: input)))
        }
    }
}
