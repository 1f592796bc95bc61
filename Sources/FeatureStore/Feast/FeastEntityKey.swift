/// The type of one part of a Feast entity key (a join key), which decides how its value is serialized.
public enum FeastKeyType: String, Sendable, Hashable, CaseIterable {
    case string
    case int64
    case int32
    case bytes
    case unixTimestamp = "unix_timestamp"

    /// Feast's `ValueType` number, written before each serialized value.
    var valueTypeNumber: UInt32 {
        switch self {
        case .bytes: 1
        case .string: 2
        case .int32: 3
        case .int64: 4
        case .unixTimestamp: 8
        }
    }

    /// The key type of a registry column type, if Feast can use it in an entity key.
    init?(_ valueType: Feast_Types_ValueType.Enum) {
        switch valueType {
        case .string: self = .string
        case .int64: self = .int64
        case .int32: self = .int32
        case .bytes: self = .bytes
        case .unixTimestamp: self = .unixTimestamp
        default: return nil
        }
    }
}

/// Feast's Redis key of an entity: the serialized entity key (Feast's `serialize_entity_key`) followed by the
/// project name.
///
/// Version 3 (Feast's default): the number of keys, then per join key (sorted by name) its type (STRING) and
/// length-prefixed name, then per value its type, length and bytes; integers little-endian. Version 2 omits the
/// key count and the names' lengths.
struct FeastEntityKey {
    /// The join key names sorted as Feast sorts them (by code point), with the positions of their values in the
    /// view's declared order.
    let sortedNames: [(name: [UInt8], position: Int)]
    let types: [FeastKeyType]
    let version: Int
    let project: [UInt8]

    init(joinKeys: [String], types: [FeastKeyType], version: Int, project: String) {
        sortedNames = joinKeys.enumerated()
            .map { (name: Array($0.element.utf8), position: $0.offset) }
            .sorted { $0.name.lexicographicallyPrecedes($1.name) }
        self.types = types
        self.version = version
        self.project = Array(project.utf8)
    }

    /// The Redis key of the entity whose join key values are `parts`, in the view's declared order.
    func redisKey(parts: [Substring]) throws(FeastKeyError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(64)
        if version > 2 { append(UInt32(sortedNames.count), to: &output) }
        for (name, _) in sortedNames {
            append(UInt32(2), to: &output)
            if version > 2 { append(UInt32(name.count), to: &output) }
            output.append(contentsOf: name)
        }
        for (_, position) in sortedNames {
            let type = types[position]
            let text = parts[position]
            append(type.valueTypeNumber, to: &output)
            switch type {
            case .string, .bytes:
                append(UInt32(text.utf8.count), to: &output)
                output.append(contentsOf: text.utf8)
            case .int32:
                guard let value = Int32(text) else { throw FeastKeyError(position: position, type: type) }
                append(UInt32(4), to: &output)
                append(UInt32(bitPattern: value), to: &output)
            case .int64, .unixTimestamp:
                guard let value = Int64(text) else { throw FeastKeyError(position: position, type: type) }
                append(UInt32(8), to: &output)
                append(UInt64(bitPattern: value), to: &output)
            }
        }
        output.append(contentsOf: project)
        return output
    }

    /// Appends `value` little-endian in its own width (give literals a type: an `Int` would write 8 bytes).
    private func append<Integer: FixedWidthInteger>(_ value: Integer, to output: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { output.append(contentsOf: $0) }
    }
}

/// A join key value that is not a number of its key's type.
struct FeastKeyError: Error {
    let position: Int
    let type: FeastKeyType
}
