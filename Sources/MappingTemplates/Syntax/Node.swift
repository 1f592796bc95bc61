/// A statement of a compiled template.
indirect enum Node: Sendable {
    /// Literal output.
    case text(String)
    /// `$ref` printed into the output; `escaped` (`\$ref`) prints `prefix` + the reference as written.
    case reference(Reference, escaped: Bool, prefix: String)
    /// `#set($target = value)`.
    case set(Reference, Expr, offset: Int)
    /// `#if / #elseif / #else / #end`.
    case conditional([(condition: Expr, body: [Node])], otherwise: [Node]?)
    /// `#foreach($slot in iterable) … #end`.
    case foreach(slot: Int, iterable: Expr, body: [Node], offset: Int)
    /// `#define($slot) … #end`.
    case define(slot: Int, DefinedBlock)
    /// `#break`.
    case breakLoop
    /// `#stop`.
    case stop
    /// `#include` / `#parse`: an error when reached.
    case unsupported(String, offset: Int)
}

/// A reference such as `$a.b.get('c')[0]`. A class, so that evaluating one (the most frequent node and expression)
/// retains it once instead of copying its fields out of the node.
final class Reference: Sendable {
    /// Variable slot of the root identifier.
    let slot: Int
    let segments: [Segment]
    /// The reference as written (without escaping backslashes).
    let literal: String
    /// Byte offset in the source, for errors.
    let offset: Int

    init(slot: Int, segments: [Segment], literal: String, offset: Int) {
        self.slot = slot
        self.segments = segments
        self.literal = literal
        self.offset = offset
    }
}

/// One step after the root of a reference.
enum Segment: Sendable {
    case property(String)
    case method(String, [Expr])
    case index(Expr)
}

/// An expression inside a directive or method argument.
indirect enum Expr: Sendable {
    case string(String)
    /// A double-quoted string with `$` or `#`, rendered at each evaluation.
    case interpolated([Node])
    case int(Int)
    case double(Double)
    case bool(Bool)
    /// `null`, which API Gateway's engine accepts where a value goes (`$map.put('k', null)`, `null == ""`).
    case null
    case reference(Reference)
    case list([Expr])
    case map([(key: Expr, value: Expr)])
    case range(Expr, Expr, offset: Int)
    case not(Expr)
    case binary(BinaryOperator, Expr, Expr, offset: Int)
}

enum BinaryOperator: Sendable {
    case or, and
    case equal, notEqual
    case less, lessOrEqual, greater, greaterOrEqual
    case add, subtract, multiply, divide, modulo
}
