import Hummingbird
import InvocationCore
import NIOCore

/// The OpenAPI documents and the admin console, built into the binary (SwiftPM's `embedInCode` resources) so that
/// nothing is read from disk or downloaded at run time. The documents' sources are `docs/openapi/*.json`.
enum BuiltInAssets {
    /// An asset: its bytes, made once, and its media type.
    struct Asset: Sendable {
        let bytes: ByteBuffer
        let contentType: String

        init(_ bytes: [UInt8], contentType: String) {
            self.bytes = ByteBuffer(bytes: bytes)
            self.contentType = contentType
        }

        /// The asset as an answer. The console runs only its own script (`script-src` falls back to `'self'`) and
        /// cannot be framed, so an injected script or a clickjacking page cannot drive the admin API; inline styles
        /// and `blob:` frames are allowed for the drift monitor's self-contained HTML report, which has no script.
        var response: Response {
            Response(
                status: .ok,
                headers: [
                    .contentType: contentType, .cacheControl: "no-cache", .xContentTypeOptions: "nosniff",
                    .contentSecurityPolicy:
                        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-src blob:; "
                        + "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
                ],
                body: .init(byteBuffer: bytes))
        }
    }

    static let clientDocument = Asset(PackageResources.openapi_client_json, contentType: "application/json")
    static let adminDocument = Asset(PackageResources.openapi_admin_json, contentType: "application/json")

    /// The console's files by the name they are served under (`/console/<name>`; `/console` is the page).
    static let console: [String: Asset] = [
        "index.html": Asset(PackageResources.console_html, contentType: "text/html; charset=utf-8"),
        "console.css": Asset(PackageResources.console_css, contentType: "text/css; charset=utf-8"),
        "console.js": Asset(PackageResources.console_js, contentType: "text/javascript; charset=utf-8"),
    ]

    /// Adds `GET /console` and `GET /console/{file}` (no admin token: the page asks for it and sends it with each
    /// call of the admin API, in the `Authorization` header, never in a cookie).
    static func addConsoleRoutes(to router: Router<GatewayRequestContext>) {
        router.get("console") { _, _ in console["index.html"]!.response }
        router.get("console/:file") { _, context in
            guard let asset = console[try context.segment("file")] else {
                throw GatewayError(
                    code: .unknownOperation, status: .notFound, message: "The console has no such file.")
            }
            return asset.response
        }
    }
}
