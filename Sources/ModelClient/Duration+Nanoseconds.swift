extension Duration {
    /// The duration in whole nanoseconds, for APIs that take an integer count.
    package var nanosecondCount: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
