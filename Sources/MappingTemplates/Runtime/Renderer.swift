import Foundation

/// Evaluates a compiled template for one input. Not shared: one renderer per render.
struct Renderer {
    let template: Program
    let input: TemplateInput
    let limits: TemplateLimits
    var variables: [Value?]
    /// The rendered UTF-8 bytes.
    var output: [UInt8] = []
    var steps = 0
    var depth = 0
    var parsedBody: Value?

    enum Flow {
        case normal
        case breakLoop
        case stop
    }

    init(template: Program, input: TemplateInput, limits: TemplateLimits) {
        self.template = template
        self.input = input
        self.limits = limits
        self.variables = Array(repeating: nil, count: template.slotCount)
    }

    mutating func run() throws(TemplateError) -> String {
        output.reserveCapacity(256 + input.body.utf8.count)
        _ = try render(template.nodes)
        return String(decoding: output, as: UTF8.self)
    }

    // MARK: Errors and limits

    mutating func runtimeError(_ message: String, at offset: Int) -> TemplateError {
        template.locator.error(.runtime, at: offset, message)
    }

    @inline(__always) mutating func step(at offset: Int = 0) throws(TemplateError) {
        steps += 1
        if steps > limits.maxSteps {
            throw template.locator.error(.limit, at: offset, "template exceeded \(limits.maxSteps) evaluation steps")
        }
    }

    @inline(__always) mutating func append(_ text: String) throws(TemplateError) {
        var text = text
        text.withUTF8 { output.append(contentsOf: $0) }
        if output.count > limits.maxOutputBytes {
            throw TemplateError(
                kind: .limit, line: 0, column: 0, message: "output exceeds \(limits.maxOutputBytes) bytes")
        }
    }

    mutating func checkSize(_ text: String, at offset: Int) throws(TemplateError) {
        if text.utf8.count > limits.maxOutputBytes {
            throw template.locator.error(.limit, at: offset, "string exceeds \(limits.maxOutputBytes) bytes")
        }
    }

    /// Renders `nodes` into a fresh string (interpolated literals, `#define` blocks used as values).
    mutating func renderToString(_ nodes: [Node], at offset: Int) throws(TemplateError) -> String {
        depth += 1
        defer { depth -= 1 }
        guard depth <= limits.maxDepth else {
            throw template.locator.error(.limit, at: offset, "nesting deeper than \(limits.maxDepth)")
        }
        var saved: [UInt8] = []
        swap(&saved, &output)
        defer { swap(&saved, &output) }
        _ = try render(nodes)
        return String(decoding: output, as: UTF8.self)
    }

    // MARK: Statements

    mutating func render(_ nodes: [Node]) throws(TemplateError) -> Flow {
        for node in nodes {
            try step()
            switch node {
            case .text(let text):
                try append(text)
            case .reference(let reference, let escaped, let prefix):
                if !prefix.isEmpty { try append(prefix) }
                if escaped {
                    try append(reference.literal)
                } else {
                    try print(try evaluate(reference), at: reference.offset)
                }
            case .set(let target, let expr, let offset):
                let value = try evaluate(expr)
                if !value.isNull { try assign(value, to: target, at: offset) }
            case .conditional(let branches, let otherwise):
                var chosen: [Node]? = otherwise
                for branch in branches where try evaluate(branch.condition).isTruthy {
                    chosen = branch.body
                    break
                }
                if let chosen {
                    let flow = try render(chosen)
                    if case .normal = flow {} else { return flow }
                }
            case .foreach(let slot, let iterable, let body, let offset):
                let flow = try loop(slot: slot, over: try evaluate(iterable), body: body, at: offset)
                if case .stop = flow { return .stop }
            case .define(let slot, let block):
                variables[slot] = .block(block)
            case .breakLoop:
                return .breakLoop
            case .stop:
                return .stop
            case .unsupported(let message, let offset):
                throw runtimeError(message, at: offset)
            }
        }
        return .normal
    }

    mutating func loop(slot: Int, over iterable: Value, body: [Node], at offset: Int) throws(TemplateError) -> Flow {
        let items: [Value]
        switch iterable {
        case .list(let box): items = box.items
        case .map(let box): items = box.keys.map { box[$0] ?? .null }
        default: items = []
        }
        guard !items.isEmpty else { return .normal }
        let named = template.loopVariables
        let foreachSlot = Builtin.foreach.slot
        let countSlot = Builtin.velocityCount.slot
        let hasNextSlot = Builtin.velocityHasNext.slot
        // The enclosing values are moved out and back, not copied; unnamed loop variables are left alone.
        let savedItem = take(slot)
        let savedState = named.contains(.foreach) ? take(foreachSlot) : nil
        let savedCount = named.contains(.velocityCount) ? take(countSlot) : nil
        let savedHasNext = named.contains(.velocityHasNext) ? take(hasNextSlot) : nil
        defer {
            if named.contains(.foreach) { variables[foreachSlot] = savedState }
            if named.contains(.velocityCount) { variables[countSlot] = savedCount }
            if named.contains(.velocityHasNext) { variables[hasNextSlot] = savedHasNext }
            // Last, for a loop whose variable is one of the above (`#foreach($foreach in …)`).
            variables[slot] = savedItem
        }
        var parent: EnclosingLoop?
        if named.contains(.enclosingLoops), case .loop(let outer) = savedState { parent = EnclosingLoop(outer) }
        for (index, item) in items.enumerated() {
            if index >= limits.maxForeachIterations { break }
            try step(at: offset)
            let hasNext = index + 1 < items.count
            variables[slot] = item.isNull ? nil : item
            if named.contains(.foreach) {
                variables[foreachSlot] = .loop(LoopState(index: index, hasNext: hasNext, parent: parent))
            }
            if named.contains(.velocityCount) { variables[countSlot] = .int(index + 1) }
            if named.contains(.velocityHasNext) { variables[hasNextSlot] = .bool(hasNext) }
            switch try render(body) {
            case .normal: continue
            case .breakLoop: return .normal
            case .stop: return .stop
            }
        }
        return .normal
    }

    /// Moves the value out of a variable, leaving it unset.
    @inline(__always) mutating func take(_ slot: Int) -> Value? {
        var value: Value?
        swap(&value, &variables[slot])
        return value
    }

    // MARK: Variables

    mutating func lookup(_ slot: Int) -> Value {
        if let value = variables[slot] { return value }
        guard let builtin = template.builtins[slot] else { return .null }
        let value: Value
        switch builtin {
        case .input: value = .input
        case .util: value = .util
        case .context: value = input.sharedContext.copy()
        case .stageVariables: value = input.preparedStageVariables.shared.copy()
        case .features:
            let map = MapBox()
            for view in input.features.keys.sorted() {
                map.put(view, .map(MapBox(sortedStrings: input.features[view] ?? [:])))
            }
            value = .map(map)
        case .foreach, .velocityCount, .velocityHasNext: return .null
        }
        variables[slot] = value
        return value
    }

    mutating func evaluate(_ reference: Reference) throws(TemplateError) -> Value {
        var value = lookup(reference.slot)
        for segment in reference.segments {
            if value.isNull { return .null }
            switch segment {
            case .property(let name):
                value = try property(name, of: value, at: reference.offset)
            case .method(let name, let argumentExprs):
                var arguments: [Value] = []
                arguments.reserveCapacity(argumentExprs.count)
                for expr in argumentExprs { arguments.append(try evaluate(expr)) }
                value = try call(name, on: value, arguments, at: reference.offset)
            case .index(let expr):
                value = try index(value, with: try evaluate(expr), at: reference.offset)
            }
        }
        return value
    }

    mutating func assign(_ value: Value, to target: Reference, at offset: Int) throws(TemplateError) {
        guard let last = target.segments.last else {
            variables[target.slot] = value
            return
        }
        var container = lookup(target.slot)
        for segment in target.segments.dropLast() {
            if container.isNull { return }
            switch segment {
            case .property(let name): container = try property(name, of: container, at: offset)
            case .method(let name, let argumentExprs):
                var arguments: [Value] = []
                for expr in argumentExprs { arguments.append(try evaluate(expr)) }
                container = try call(name, on: container, arguments, at: offset)
            case .index(let expr): container = try index(container, with: try evaluate(expr), at: offset)
            }
        }
        switch (last, container) {
        case (.property(let name), .map(let map)):
            map.put(name, value)
        case (.index(let expr), .map(let map)):
            map.put(try javaString(try evaluate(expr), at: offset), value)
        case (.index(let expr), .list(let list)):
            let position = try listIndex(try evaluate(expr), count: list.items.count, at: offset)
            list.items[position] = value
        case (.method, _):
            throw runtimeError("cannot assign to a method call", at: offset)
        default:
            return
        }
    }

    mutating func index(_ value: Value, with key: Value, at offset: Int) throws(TemplateError) -> Value {
        switch value {
        case .map(let map):
            return map[try javaString(key, at: offset)] ?? .null
        case .list(let list):
            return list.items[try listIndex(key, count: list.items.count, at: offset)]
        case .null:
            return .null
        default:
            throw runtimeError("cannot index a \(typeName(value))", at: offset)
        }
    }

    /// The index argument of a Java `List` method (`get`, `set`, `remove`): unlike `$list[i]`, a negative index is
    /// out of bounds.
    mutating func methodIndex(_ key: Value, count: Int, at offset: Int) throws(TemplateError) -> Int {
        if case .int(let position) = key, position < 0 {
            throw runtimeError("index \(position) out of bounds for length \(count)", at: offset)
        }
        return try listIndex(key, count: count, at: offset)
    }

    /// A Java list index; negative indexes count from the end (Velocity 1.7).
    mutating func listIndex(_ key: Value, count: Int, at offset: Int) throws(TemplateError) -> Int {
        guard case .int(var position) = key else { throw runtimeError("list index must be an integer", at: offset) }
        if position < 0 { position += count }
        guard position >= 0, position < count else {
            throw runtimeError("index \(position) out of bounds for length \(count)", at: offset)
        }
        return position
    }

    // MARK: Expressions

    mutating func evaluate(_ expr: Expr) throws(TemplateError) -> Value {
        switch expr {
        case .string(let s): return .string(s)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .bool(let b): return .bool(b)
        case .null: return .null
        case .reference(let reference):
            try step(at: reference.offset)
            return try evaluate(reference)
        case .interpolated(let nodes):
            let text = try renderToString(nodes, at: 0)
            return .string(text)
        case .list(let exprs):
            var items: [Value] = []
            items.reserveCapacity(exprs.count)
            for item in exprs { items.append(try evaluate(item)) }
            return .list(ListBox(items, json: false))
        case .map(let entries):
            let map = MapBox()
            for entry in entries {
                let key = try evaluate(entry.key)
                map.put(key.isNull ? "" : try javaString(key, at: 0), try evaluate(entry.value))
            }
            return .map(map)
        case .range(let from, let to, let offset):
            guard case .int(let first) = try evaluate(from), case .int(let last) = try evaluate(to) else {
                return .null
            }
            // The bounds' distance is taken without overflow: [Int.min..Int.max] is too large, not a crash.
            let distance = first <= last ? UInt(bitPattern: last &- first) : UInt(bitPattern: first &- last)
            guard distance < UInt(limits.maxSteps) else {
                throw template.locator.error(.limit, at: offset, "range too large")
            }
            let count = Int(distance) + 1
            steps += count
            let items: [Value] =
                first <= last ? (first...last).map { .int($0) } : (last...first).reversed().map { .int($0) }
            return .list(ListBox(items, json: false))
        case .not(let inner):
            return .bool(!(try evaluate(inner).isTruthy))
        case .binary(let op, let lhs, let rhs, let offset):
            return try binary(op, lhs, rhs, at: offset)
        }
    }

    mutating func binary(_ op: BinaryOperator, _ lhs: Expr, _ rhs: Expr, at offset: Int) throws(TemplateError) -> Value
    {
        switch op {
        case .or:
            if try evaluate(lhs).isTruthy { return .bool(true) }
            return .bool(try evaluate(rhs).isTruthy)
        case .and:
            if !(try evaluate(lhs).isTruthy) { return .bool(false) }
            return .bool(try evaluate(rhs).isTruthy)
        default:
            break
        }
        let left = try evaluate(lhs)
        let right = try evaluate(rhs)
        switch op {
        case .equal: return .bool(try equals(left, right, at: offset))
        case .notEqual: return .bool(!(try equals(left, right, at: offset)))
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard let ordering = compareNumbers(left, right) else { return .bool(false) }
            switch op {
            case .less: return .bool(ordering < 0)
            case .lessOrEqual: return .bool(ordering <= 0)
            case .greater: return .bool(ordering > 0)
            default: return .bool(ordering >= 0)
            }
        default:
            return try arithmetic(op, left, right, at: offset)
        }
    }

    /// Velocity's `==`: numbers numerically, same kinds by value, otherwise by their strings; API Gateway compares
    /// null as the empty string. Strings are equal as Java's are: the same UTF-16 units (Swift's `==` would also
    /// equate canonically equivalent forms, such as a precomposed and a decomposed accent).
    mutating func equals(_ left: Value, _ right: Value, at offset: Int) throws(TemplateError) -> Bool {
        switch (left, right) {
        case (.null, .null): return true
        case (.int(let a), .int(let b)): return a == b
        case (.int, .double), (.double, .int), (.double, .double): return compareNumbers(left, right) == 0
        case (.string(let a), .string(let b)): return a.utf8.elementsEqual(b.utf8)
        case (.bool(let a), .bool(let b)): return a == b
        case (.list(let a), .list(let b)):
            guard a.items.count == b.items.count else { return false }
            for (x, y) in zip(a.items, b.items) where !(try equals(x, y, at: offset)) { return false }
            return true
        case (.map(let a), .map(let b)):
            guard a.count == b.count else { return false }
            for key in a.keys {
                guard let y = b[key], try equals(a[key] ?? .null, y, at: offset) else { return false }
            }
            return true
        case (.null, _): return try javaString(right, at: offset).isEmpty
        case (_, .null): return try javaString(left, at: offset).isEmpty
        default: return try javaString(left, at: offset).utf8.elementsEqual(javaString(right, at: offset).utf8)
        }
    }

    mutating func compareNumbers(_ left: Value, _ right: Value) -> Int? {
        switch (left, right) {
        case (.int(let a), .int(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        case (.int(let a), .double(let b)): return Self.order(Double(a), b)
        case (.double(let a), .int(let b)): return Self.order(a, Double(b))
        case (.double(let a), .double(let b)): return Self.order(a, b)
        default: return nil
        }
    }

    static func order(_ a: Double, _ b: Double) -> Int { a < b ? -1 : (a == b ? 0 : 1) }

    mutating func arithmetic(_ op: BinaryOperator, _ left: Value, _ right: Value, at offset: Int) throws(TemplateError)
        -> Value
    {
        switch (left, right) {
        case (.int(let a), .int(let b)):
            let result: (Int, Bool)
            switch op {
            case .add: result = a.addingReportingOverflow(b)
            case .subtract: result = a.subtractingReportingOverflow(b)
            case .multiply: result = a.multipliedReportingOverflow(by: b)
            case .divide:
                guard b != 0 else { return .null }
                result = a.dividedReportingOverflow(by: b)
            default:
                guard b != 0 else { return .null }
                result = a.remainderReportingOverflow(dividingBy: b)
            }
            if !result.1 { return .int(result.0) }
            return doubleArithmetic(op, Double(a), Double(b))
        case (.int(let a), .double(let b)): return doubleArithmetic(op, Double(a), b)
        case (.double(let a), .int(let b)): return doubleArithmetic(op, a, Double(b))
        case (.double(let a), .double(let b)): return doubleArithmetic(op, a, b)
        default:
            guard op == .add else { return .null }
            if case .string = left {} else if case .string = right {} else { return .null }
            let text = try display(left, at: offset) + display(right, at: offset)
            try checkSize(text, at: offset)
            return .string(text)
        }
    }

    mutating func doubleArithmetic(_ op: BinaryOperator, _ a: Double, _ b: Double) -> Value {
        switch op {
        case .add: return .double(a + b)
        case .subtract: return .double(a - b)
        case .multiply: return .double(a * b)
        case .divide: return b == 0 ? .null : .double(a / b)
        default: return b == 0 ? .null : .double(a.truncatingRemainder(dividingBy: b))
        }
    }
}

extension Builtin {
    /// Builtins are interned first, so their slot is their position.
    var slot: Int {
        switch self {
        case .input: return 0
        case .util: return 1
        case .context: return 2
        case .stageVariables: return 3
        case .features: return 4
        case .foreach: return 5
        case .velocityCount: return 6
        case .velocityHasNext: return 7
        }
    }
}
