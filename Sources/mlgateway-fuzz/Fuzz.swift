import Foundation
import FuzzTargets

#if FUZZING
    /// The target libFuzzer drives, named by `MLGATEWAY_FUZZ_TARGET` (`scripts/fuzz.sh` sets it); read once.
    let fuzzTarget: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["MLGATEWAY_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            fatalError("MLGATEWAY_FUZZ_TARGET must name a fuzz target: \(names)")
        }
        return target
    }()

    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOneInput(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
        fuzzTarget.run(UnsafeRawBufferPointer(start: start, count: count))
        return 0
    }
#else
    /// Without libFuzzer (an ordinary build), replays inputs: `mlgateway-fuzz <target> <file>…` runs each file through
    /// the target once, to reproduce a crash a fuzzing run saved.
    @main
    enum Replay {
        static func main() {
            let arguments = CommandLine.arguments.dropFirst()
            guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
                let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
                FileHandle.standardError.write(Data("usage: mlgateway-fuzz <\(names)> <input file>…\n".utf8))
                exit(64)
            }
            for path in arguments.dropFirst() {
                guard let data = FileManager.default.contents(atPath: path) else {
                    FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
                    exit(66)
                }
                print(path)
                target.run(Array(data))
            }
        }
    }
#endif
