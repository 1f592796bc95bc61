import HTTPTypes

extension HTTPFields {
    /// The value of the field `name` as `self[name]` reads it (several fields joined with commas), but without
    /// building a joined string when there is only one field, the usual case for the headers invocations read.
    package func value(_ name: HTTPField.Name) -> String? {
        var value: String?
        for field in self where field.name == name {
            guard value == nil else { return self[name] }
            value = field.value
        }
        return value
    }
}
