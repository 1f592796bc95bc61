/// The circuit breaker of one backend, as a plain state machine with the clock passed in.
///
/// Closed: calls flow and consecutive failures are counted; at `failureThreshold` it opens. Open: calls are refused
/// until `openDuration` has passed, then one probe call is let through (half-open). The probe's success closes the
/// circuit; its failure opens it again.
public struct CircuitBreaker: Sendable, Equatable {
    /// Where the breaker stands.
    public enum State: Sendable, Equatable {
        /// Calls flow; `failures` consecutive failures so far.
        case closed(failures: Int)
        /// Calls are refused until `until`.
        case open(until: ContinuousClock.Instant)
        /// One probe call is in flight.
        case halfOpen
    }

    /// The current state.
    public private(set) var state: State = .closed(failures: 0)

    /// Creates a closed breaker.
    public init() {}

    /// Whether a model server's answer with HTTP `status` counts as a success for the breaker: anything but a gateway
    /// or overload error (502, 503, 504), so that a model rejecting input (4xx, 500) does not open the circuit.
    public static func isSuccess(status: Int) -> Bool {
        ![502, 503, 504].contains(status)
    }

    /// Whether a call may go to the backend now; moves an expired open circuit to half-open (one probe).
    public mutating func acquire(now: ContinuousClock.Instant) -> Bool {
        switch state {
        case .closed: return true
        case .halfOpen: return false
        case .open(let until):
            guard now >= until else { return false }
            state = .halfOpen
            return true
        }
    }

    /// Whether a call would be allowed now, without taking the half-open probe.
    public func isAvailable(now: ContinuousClock.Instant) -> Bool {
        switch state {
        case .closed: return true
        case .halfOpen: return false
        case .open(let until): return now >= until
        }
    }

    /// Records a successful call: the circuit closes.
    public mutating func recordSuccess() {
        state = .closed(failures: 0)
    }

    /// Records a failed call; returns true when this failure opened the circuit.
    @discardableResult
    public mutating func recordFailure(now: ContinuousClock.Instant, threshold: Int, openDuration: Duration) -> Bool {
        switch state {
        case .closed(let failures):
            if failures + 1 >= threshold {
                state = .open(until: now + openDuration)
                return true
            }
            state = .closed(failures: failures + 1)
            return false
        case .halfOpen, .open:
            state = .open(until: now + openDuration)
            return true
        }
    }
}
