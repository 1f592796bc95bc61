/// Bounds that keep any template from hanging or exhausting the gateway.
public struct TemplateLimits: Sendable, Hashable {
    /// Iterations after which a `#foreach` stops silently (API Gateway stops at 1,000).
    public var maxForeachIterations: Int
    /// Largest rendered output in UTF-8 bytes; exceeding it is a ``TemplateError/Kind/limit`` error.
    public var maxOutputBytes: Int
    /// Largest number of evaluation steps (nodes, expressions, loop iterations) per render.
    public var maxSteps: Int
    /// Deepest nesting of `#define` expansion and value printing.
    public var maxDepth: Int

    /// Creates limits.
    public init(
        maxForeachIterations: Int = 1_000, maxOutputBytes: Int = 1 << 20, maxSteps: Int = 1_000_000, maxDepth: Int = 64
    ) {
        self.maxForeachIterations = maxForeachIterations
        self.maxOutputBytes = maxOutputBytes
        self.maxSteps = maxSteps
        self.maxDepth = maxDepth
    }

    /// 1,000 loop iterations, 1 MiB of output, 1,000,000 steps, depth 64.
    public static let `default` = TemplateLimits()
}
