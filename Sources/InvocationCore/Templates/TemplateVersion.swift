import Foundation

/// What a stored template version records.
public enum TemplateAction: String, Sendable, Hashable, Codable {
    /// The first version of a key.
    case create
    /// A new text for a key that had one.
    case update
    /// A copy of an earlier version (``TemplateVersion/restoredFrom``).
    case rollback
    /// A deletion marker: the stored template no longer applies (the `gateway.conf` one, if any, applies again).
    case delete
}

/// One stored version of a mapping template.
public struct TemplateVersion: Sendable, Hashable, Codable {
    /// The template it belongs to.
    public var key: TemplateKey
    /// 1, 2, 3… per key; never reused, deletions included.
    public var version: Int
    /// How this version came about.
    public var action: TemplateAction
    /// The template text; `nil` for a deletion.
    public var source: String?
    /// For request templates: the `Content-Type` the model receives (`nil` keeps the client's).
    public var outputContentType: String?
    /// SHA-256 of ``source`` in hex; `nil` for a deletion.
    public var hash: String?
    /// Who stored it (admin API `author`, or the CLI user).
    public var author: String
    /// When it was stored.
    public var createdAt: Date
    /// For a rollback: the version whose text was restored.
    public var restoredFrom: Int?

    /// Whether this version holds a template (rather than a deletion).
    public var isLive: Bool { source != nil }
}

/// One entry of the template audit log.
public struct TemplateAuditEntry: Sendable, Hashable, Codable {
    /// Increasing id.
    public var id: Int64
    /// When it happened.
    public var at: Date
    /// Who did it.
    public var actor: String
    /// `admin-api` or `cli`.
    public var origin: String
    /// `create`, `update`, `rollback`, `delete`, or `rejected` for a save refused by validation.
    public var action: String
    /// The template concerned.
    public var key: TemplateKey
    /// The version written, if any.
    public var version: Int?
    /// The hash of the text written or refused.
    public var hash: String?
    /// Extra information (the validation error of a refused save, the version restored by a rollback).
    public var detail: String?
}
