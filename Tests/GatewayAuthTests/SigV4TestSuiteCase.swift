import Foundation
import TestSupport
import Testing

@testable import GatewayAuth

/// One case of `../shared/conformance/sigv4-test-suite/` (awslabs/aws-c-auth's v4 suite).
struct SigV4TestSuiteCase: CustomStringConvertible, Sendable {
    struct Context: Decodable, Sendable {
        struct Credentials: Decodable, Sendable {
            var access_key_id: String
            var secret_access_key: String
            var token: String?
        }

        var credentials: Credentials
        var normalize: Bool
        var region: String
        var service: String
        var timestamp: String
        var omit_session_token: Bool?
    }

    /// `header` or `query`: which signed form of the request to use.
    enum Form: String, Sendable, CaseIterable {
        case header, query
    }

    var name: String
    var directory: URL

    var description: String { name }

    /// The suite's folder in the conformance data.
    static let suiteName = "sigv4-test-suite"
    /// The suite directory, beside the repository.
    static let suiteDirectory: URL = ConformanceData.url(suiteName)

    /// Every case in the suite (empty when the suite is missing; `suiteIsPresent` reports that).
    static func all() -> [SigV4TestSuiteCase] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: suiteDirectory.path)) ?? []
        return names.sorted().compactMap { name in
            let directory = suiteDirectory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("context.json").path)
            else { return nil }
            return SigV4TestSuiteCase(name: name, directory: directory)
        }
    }

    func text(_ file: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
    }

    func context() throws -> Context {
        try JSONDecoder().decode(Context.self, from: Data(contentsOf: directory.appendingPathComponent("context.json")))
    }

    func now() throws -> Date {
        try #require(ISO8601DateFormatter().date(from: context().timestamp))
    }

    /// The signed request of `form`, parsed.
    ///
    /// Cases with `omit_session_token` add the token after signing. In a header that is an unsigned header, which
    /// SigV4 allows; in a query it cannot be (every query parameter is signed), so the query form is returned
    /// without the token, as it was signed (`unsignedQueryTokenIsRejected` covers the request as written).
    func signedRequest(_ form: Form) throws -> SigV4Request {
        var request = try signedRequestAsWritten(form)
        if form == .query, try context().omit_session_token == true {
            request.query = request.query.split(separator: "&").filter { !$0.hasPrefix("X-Amz-Security-Token=") }
                .joined(separator: "&")
        }
        return request
    }

    /// The signed request of `form` exactly as the suite writes it.
    func signedRequestAsWritten(_ form: Form) throws -> SigV4Request {
        try Self.parseRequest(text("\(form.rawValue)-signed-request.txt"))
    }

    /// The verifier the case was signed for.
    func verifier(normalize: Bool? = nil) throws -> SigV4Verifier {
        let context = try context()
        return SigV4Verifier(
            service: context.service, allowedRegions: [context.region], sessionTokens: .ignore,
            normalizePath: normalize ?? context.normalize)
    }

    /// Parses a raw HTTP/1.1 request as the suite writes it: the target may contain spaces, continuation lines
    /// start with whitespace, the body follows the first blank line.
    static func parseRequest(_ text: String) throws -> SigV4Request {
        let head: Substring
        let body: Substring
        if let blank = text.range(of: "\n\n") {
            head = text[..<blank.lowerBound]
            body = text[blank.upperBound...]
        } else {
            head = Substring(text)
            body = ""
        }
        let lines = head.split(separator: "\n", omittingEmptySubsequences: false)
        let requestLine = try #require(lines.first)
        let firstSpace = try #require(requestLine.firstIndex(of: " "))
        let lastSpace = try #require(requestLine.lastIndex(of: " "))
        let target = requestLine[requestLine.index(after: firstSpace)..<lastSpace]
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() where !line.isEmpty {
            if line.first == " " || line.first == "\t" {
                let last = try #require(headers.indices.last)
                headers[last].value += "\n" + line
                continue
            }
            let colon = try #require(line.firstIndex(of: ":"))
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
        }
        return SigV4Request(
            method: String(requestLine[..<firstSpace]), path: String(path[0]),
            query: path.count > 1 ? String(path[1]) : "", headers: headers, body: Array(body.utf8))
    }
}
