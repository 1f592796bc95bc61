import Logging
import Synchronization
import Testing

@testable import Gateway
@testable import InvocationCore
@testable import ModelClient

@Suite("Gateway log handler")
struct GatewayLogHandlerTests {
    /// Collects the written lines.
    final class Lines: TextOutputStream, Sendable {
        let text = Mutex("")
        func write(_ string: String) { text.withLock { $0 += string } }
    }

    @Test func writesTheLoggersMetadataUnderEachLinesOwn() {
        let lines = Lines()
        var logger = Logger(label: "mlgateway") { GatewayLogHandler(label: $0, level: .info, stream: lines) }
        logger[metadataKey: "request"] = "r-1"
        logger[metadataKey: "endpoint"] = "demo"
        logger.info("Request failed", metadata: ["endpoint": "other", "status": "503"], source: "test")
        let line = lines.text.withLock { $0 }
        #expect(line.hasSuffix(" info mlgateway: endpoint=other request=r-1 status=503 [test] Request failed\n"))
    }

    @Test func dropsLinesBelowItsLevel() {
        let lines = Lines()
        var logger = Logger(label: "mlgateway") { GatewayLogHandler(label: $0, level: .warning, stream: lines) }
        logger[metadataKey: "request"] = "r-1"
        logger.info("Request served")
        logger.warning("Backend call failed", source: "test")
        let text = lines.text.withLock { $0 }
        #expect(!text.contains("Request served"))
        #expect(text.hasSuffix(" warning mlgateway: request=r-1 [test] Backend call failed\n"))
    }
}
