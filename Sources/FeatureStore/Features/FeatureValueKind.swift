/// How a feature value is written into a JSON body.
///
/// The native layout stores text, so its values are ``text``: written as a JSON number when the text is a JSON
/// number literal, else as a string. The Feast layout stores typed values, and each keeps its type: a Feast string
/// `"42"` stays a string, a bool is `true`/`false`, a list is a JSON array.
public enum FeatureValueKind: Sendable, Hashable {
    /// Text whose JSON form is decided by its content (a number literal → number, else string).
    case text
    /// Always a JSON string.
    case string
    /// A JSON number: the text is a JSON number literal.
    case number
    /// A JSON literal written as is: `true`, `false`, or an array whose text is valid JSON.
    case json
}
