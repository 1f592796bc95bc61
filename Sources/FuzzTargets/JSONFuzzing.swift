import MappingTemplates
import WireFormats

/// The JSON target: the bytes as a request body.
enum JSONFuzzing {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        let scanner = JSONScanner(bytes: bytes)
        _ = try? scanner.validate()
        walk(scanner)
        _ = try? TemplateValue(json: bytes)
    }

    /// What the gateway does with a body it does not validate first: find the top-level value and read an object's
    /// members and their scalars.
    private static func walk(_ scanner: JSONScanner) {
        guard let root = try? scanner.rootValue(), scanner.bytes[root.lowerBound] == UInt8(ascii: "{") else { return }
        _ = try? scanner.forEachMember(ofObjectAt: root.lowerBound) { member throws(JSONScanner.Invalid) in
            _ = try scanner.key(member, equals: "instances")
            _ = try scanner.scalarText(member.value)
            return true
        }
    }
}
