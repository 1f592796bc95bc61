extension Renderer {
    /// `$input.body`: the raw payload; an empty payload reads as `{}`.
    var bodyText: String { input.body.isEmpty ? "{}" : input.body }

    /// The payload as JSON, parsed once per render. A payload starting with `{` or `[` must be valid JSON
    /// (API Gateway answers 400 otherwise); any other payload that is not JSON reads as one string.
    mutating func bodyValue(at offset: Int) throws(TemplateError) -> Value {
        if let parsedBody { return parsedBody }
        let text = bodyText
        let value: Value
        do {
            value = try JSONReader.parse(text)
        } catch {
            guard !JSONReader.startsLikeJSON(text) else {
                throw template.locator.error(.payload, at: offset, "Could not process payload: \(error.message)")
            }
            value = .string(text)
        }
        parsedBody = value
        return value
    }

    mutating func inputMethod(_ name: String, _ arguments: [Value], at offset: Int) throws(TemplateError) -> Value? {
        switch (name, arguments.count) {
        case ("getBody", 0):
            return .string(bodyText)
        case ("path", 1):
            let path = try compilePath(arguments[0], at: offset)
            let body = try bodyValue(at: offset)
            return try bounded(at: offset) { () throws(RegexWorkLimitExceeded) in try path.evaluate(on: body) }
        case ("json", 1):
            let path = try compilePath(arguments[0], at: offset)
            let body = try bodyValue(at: offset)
            let result = try bounded(at: offset) { () throws(RegexWorkLimitExceeded) in try path.evaluate(on: body) }
            var out: [UInt8] = []
            try writeJSON(result, into: &out, depth: 0, at: offset)
            return .string(String(decoding: out, as: UTF8.self))
        case ("params", 0):
            let all = MapBox()
            all.put("path", .map(MapBox(sortedStrings: input.pathParameters)))
            all.put("querystring", .map(MapBox(sortedStrings: input.queryParameters)))
            all.put("header", .map(MapBox(sortedStrings: input.headers)))
            return .map(all)
        case ("params", 1):
            let name = try display(arguments[0], at: offset)
            if let value = input.pathParameters[name] ?? input.queryParameters[name] ?? header(name) {
                return .string(value)
            }
            return .string("")
        default:
            return nil
        }
    }

    /// Header lookup: exact name first, then case-insensitive.
    mutating func header(_ name: String) -> String? {
        if let value = input.headers[name] { return value }
        let lowered = name.lowercased()
        return input.headers.first { $0.key.lowercased() == lowered }?.value
    }

    mutating func compilePath(_ argument: Value, at offset: Int) throws(TemplateError) -> JSONPath {
        let text = try display(argument, at: offset)
        if let cached = template.pathCache.value(for: text) { return cached }
        do {
            let path = try JSONPath(text)
            template.pathCache.store(path, for: text)
            return path
        } catch {
            throw runtimeError("invalid JSONPath '\(text)': \(error.message)", at: offset)
        }
    }

    mutating func utilMethod(_ name: String, _ arguments: [Value], at offset: Int) throws(TemplateError) -> Value? {
        guard arguments.count == 1 else { return nil }
        let argument = arguments[0]
        switch name {
        case "escapeJavaScript":
            if argument.isNull { return .null }
            return .string(UtilFunctions.escapeJavaScript(try display(argument, at: offset)))
        case "urlEncode":
            return .string(UtilFunctions.urlEncode(try display(argument, at: offset)))
        case "urlDecode":
            if argument.isNull { return .null }
            guard let decoded = UtilFunctions.urlDecode(try display(argument, at: offset)) else {
                throw runtimeError("urlDecode: malformed percent-encoding", at: offset)
            }
            return .string(decoded)
        case "base64Encode":
            if argument.isNull { return .null }
            return .string(UtilFunctions.base64Encode(try display(argument, at: offset)))
        case "base64Decode":
            if argument.isNull { return .null }
            guard let decoded = UtilFunctions.base64Decode(try display(argument, at: offset)) else {
                throw runtimeError("base64Decode: invalid Base64 input", at: offset)
            }
            return .string(decoded)
        case "parseJson":
            if argument.isNull { return .null }
            let text = try display(argument, at: offset)
            do {
                return try JSONReader.parse(text)
            } catch {
                throw runtimeError("parseJson: \(error.message)", at: offset)
            }
        default:
            return nil
        }
    }
}
