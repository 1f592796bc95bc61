import Foundation

/// The S3-compatible object store that `s3://` locations name (`[object_store]`): its endpoint and region, and the
/// credentials of the usual AWS environment variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`), read at start. Requests use path-style addressing (`endpoint/bucket/key`), which every
/// S3-compatible server and AWS S3 accept.
public struct ObjectStoreConfiguration: Sendable, Equatable {
    /// Base URL (`endpoint`, default `https://s3.<region>.amazonaws.com`).
    public var endpoint: URL
    /// Signing region (`region`, default `AWS_REGION`, `AWS_DEFAULT_REGION`, else `us-east-1`).
    public var region: String
    /// Credentials, from the environment.
    public var accessKeyID: String?
    public var secretAccessKey: String?
    public var sessionToken: String?

    /// Creates settings.
    public init(endpoint: URL, region: String, accessKeyID: String?, secretAccessKey: String?, sessionToken: String?) {
        self.endpoint = endpoint
        self.region = region
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}

extension ObjectStoreConfiguration {
    /// Reads `[object_store]`.
    package init(
        reading table: inout ConfigTable, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) {
        let region =
            try table.string("region") ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
        guard !region.isEmpty, region.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw table.error("region", "must be a region name such as us-east-1")
        }
        var endpoint = URL(string: "https://s3.\(region).amazonaws.com")!
        if let text = try table.string("endpoint") {
            guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil,
                url.path.isEmpty || url.path == "/", url.query == nil
            else {
                throw table.error("endpoint", "must be an http(s)://host[:port] URL, such as http://127.0.0.1:9000")
            }
            endpoint = url
        }
        self.init(
            endpoint: endpoint, region: region, accessKeyID: environment["AWS_ACCESS_KEY_ID"],
            secretAccessKey: environment["AWS_SECRET_ACCESS_KEY"], sessionToken: environment["AWS_SESSION_TOKEN"])
    }
}
