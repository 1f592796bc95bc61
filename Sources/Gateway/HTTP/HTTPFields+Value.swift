import HTTPTypes

extension HTTPFields {
    /// The value of the field `name` as `self[name]` reads it (several fields joined with commas), without the
    /// cost of joining when there is one field, as there is for the headers the invocation path reads.
    func value(_ name: HTTPField.Name) -> String? {
        var value: String?
        for field in self where field.name == name {
            guard value == nil else { return self[name] }
            value = field.value
        }
        return value
    }
}
