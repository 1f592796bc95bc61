import Foundation
import Synchronization
import Tracing
import WireFormats

/// How long each stage of one invocation took, for the JSON access log (`access_log = "json"`), and the key it was
/// admitted under. Made only while that log is on; the stages run one after another, so the lock is never contended.
package final class StageClock: Sendable {
    private struct State {
        var current: (name: String, start: ContinuousClock.Instant)?
        var stages: [(name: String, duration: Duration)] = []
        var keyID: String?
    }

    private let state = Mutex(State())

    package init() {}

    /// Marks the start of stage `name`, ending the previous one (a stage that had to wait stays the same stage).
    func enter(_ name: String) {
        let now = ContinuousClock.now
        state.withLock { state in
            if state.current?.name == name { return }
            if let current = state.current { state.stages.append((current.name, now - current.start)) }
            state.current = (name, now)
        }
    }

    /// The key the invocation was admitted under.
    func admitted(keyID: String) {
        state.withLock { $0.keyID = keyID }
    }

    /// The stages with their durations, the last one ended now, and the key id.
    func finish() -> (stages: [(name: String, duration: Duration)], keyID: String?) {
        let now = ContinuousClock.now
        return state.withLock { state in
            if let current = state.current { state.stages.append((current.name, now - current.start)) }
            state.current = nil
            return (state.stages, state.keyID)
        }
    }
}

/// One line of the JSON access log: an object per answered request on standard output.
package struct AccessLogLine: Sendable {
    package var requestID: String
    package var traceID: String?
    package var method: String
    package var path: String
    package var endpoint: String?
    package var variant: String?
    package var status: Int
    package var errorCode: String?
    package var keyID: String?
    package var duration: Duration
    package var stages: [(name: String, duration: Duration)] = []

    package init(requestID: String, method: String, path: String, status: Int, duration: Duration) {
        self.requestID = requestID
        self.method = method
        self.path = path
        self.status = status
        self.duration = duration
    }

    private static let output = Mutex(FileHandle.standardOutput)

    /// Writes the line to standard output.
    package func write() {
        let bytes = Data(json(at: Date()))
        Self.output.withLock { $0.write(bytes) }
    }

    /// The line as JSON (with its newline), stamped `time`.
    package func json(at time: Date) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(384)
        output.append(contentsOf: #"{"time":""#.utf8)
        let utc = UTCTime(time)
        var stamp: [UInt8] = []
        utc.appendISO8601(to: &stamp)
        output.append(contentsOf: stamp.dropLast())  // "Z" after the milliseconds
        output.append(contentsOf: ".\(String(utc.millisecond + 1000).dropFirst())Z\"".utf8)
        func string(_ key: String, _ value: String?) {
            guard let value else { return }
            output.append(contentsOf: ",\"\(key)\":".utf8)
            JSONText.appendString(value, to: &output)
        }
        string("request_id", requestID)
        string("trace_id", traceID)
        string("method", method)
        string("path", path)
        string("endpoint", endpoint)
        string("variant", variant)
        output.append(contentsOf: ",\"status\":\(status)".utf8)
        string("error_code", errorCode)
        string("key_id", keyID)
        output.append(contentsOf: ",\"duration_ms\":\(Self.milliseconds(duration))".utf8)
        if !stages.isEmpty {
            output.append(contentsOf: #","stages_ms":{"#.utf8)
            for (index, stage) in stages.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                JSONText.appendString(stage.name, to: &output)
                output.append(contentsOf: ":\(Self.milliseconds(stage.duration))".utf8)
            }
            output.append(UInt8(ascii: "}"))
        }
        output.append(contentsOf: "}\n".utf8)
        return output
    }

    /// Milliseconds with microsecond precision.
    static func milliseconds(_ duration: Duration) -> String {
        let microseconds = duration / .microseconds(1)
        return String(format: "%.3f", microseconds / 1000)
    }

    /// The trace id of a W3C `traceparent`, when it is one.
    package static func traceID(ofTraceparent traceparent: String?) -> String? {
        guard let traceparent, InvocationTracing.sampledFlag(of: traceparent) != nil else { return nil }
        return String(traceparent.split(separator: "-")[1])
    }
}

extension InvocationRun {
    /// Marks the start of `stage` for the run's trace and stage clock, when it has them.
    func enter(_ stage: InvocationStage) {
        guard trace != nil || stages != nil, let name = stage.spanName else { return }
        trace?.enter(name)
        stages?.enter(name)
    }

    /// Ends the run's trace and writes its JSON access-log line, when it has them.
    package func finished(_ outcome: InvocationOutcome) {
        switch outcome {
        case .success(let result): finished(status: 200, variant: result.variant.name, error: nil)
        case .failure(let failure):
            finished(status: Int(failure.error.status.code), variant: failure.variant, error: failure.error)
        }
    }

    /// Ends the run's trace and writes its JSON access-log line with the status the client gets, when it has them.
    package func finished(status: Int, variant: String?, error: GatewayError?) {
        trace?.end(status: status, variant: variant, error: error)
        guard let stages else { return }
        let (durations, keyID) = stages.finish()
        var line = AccessLogLine(
            requestID: request.requestID, method: request.head.method.rawValue, path: request.path, status: status,
            duration: .now - request.receivedAt)
        line.traceID = trace?.traceID ?? AccessLogLine.traceID(ofTraceparent: request.head.headerFields[.traceparent])
        line.endpoint = request.endpointName
        line.variant = variant
        line.errorCode = error?.code
        line.keyID = keyID
        line.stages = durations
        line.write()
    }
}
