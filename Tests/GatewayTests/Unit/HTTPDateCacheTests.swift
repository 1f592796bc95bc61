import Foundation
import Testing

@testable import Gateway
@testable import InvocationCore

@Suite("HTTP date cache")
struct HTTPDateCacheTests {
    @Test(arguments: [
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (1_796_406_539, "Fri, 04 Dec 2026 17:48:59 GMT"),
    ])
    func formatsAnIMFFixdate(seconds: Int, text: String) {
        #expect(HTTPDateCache.format(seconds) == text)
    }

    @Test func nowIsTheCurrentSecond() {
        let cache = HTTPDateCache()
        let before = HTTPDateCache.format(Int(time(nil)))
        let now = cache.now
        let after = HTTPDateCache.format(Int(time(nil)))
        #expect(now == before || now == after)
    }
}
