import Testing

@testable import Gateway
@testable import InvocationCore

@Suite("Multi-model: hash ring, model placement, variant options")
struct MultiModelTests {
    static let backends = ["http://10.0.0.1:8080", "http://10.0.0.2:8080", "http://10.0.0.3:8080"]
    static let models = (0..<3000).map { "model-\($0).tar.gz" }

    @Test func aModelAlwaysGetsTheSamePreferenceOfAllBackends() {
        let ring = HashRing(nodes: Self.backends)
        let first = ring.preference(for: "model-a.tar.gz")
        #expect(Set(first) == [0, 1, 2])
        #expect(HashRing(nodes: Self.backends).preference(for: "model-a.tar.gz") == first)
    }

    @Test func modelsSpreadRoughlyEvenly() {
        let ring = HashRing(nodes: Self.backends)
        var counts = [0, 0, 0]
        for model in Self.models { counts[ring.preference(for: model)[0]] += 1 }
        for count in counts { #expect((700...1300).contains(count)) }
    }

    @Test func removingABackendMovesOnlyItsModels() {
        let full = HashRing(nodes: Self.backends)
        let reduced = HashRing(nodes: Array(Self.backends.prefix(2)))
        for model in Self.models {
            let before = full.preference(for: model)
            let after = reduced.preference(for: model)[0]
            if before[0] != 2 {
                #expect(after == before[0])
            } else {
                #expect(after == before[1])
            }
        }
    }

    @Test func anEmptyRingPrefersNothing() {
        #expect(HashRing(nodes: []).preference(for: "m").isEmpty)
    }

    @Test func theFirstRequestLoadsAndOthersWait() {
        var placement = ModelPlacement()
        guard case .startLoad(let generation) = placement.step(model: "m", backend: "b") else {
            Issue.record("expected a load")
            return
        }
        #expect(placement.step(model: "m", backend: "b") == .awaitLoad(generation: generation))
        #expect(placement.step(model: "m", backend: "other") != .awaitLoad(generation: generation))
        placement.finishLoad(model: "m", backend: "b", generation: generation, success: true)
        #expect(placement.step(model: "m", backend: "b") == .invoke)
    }

    @Test func aFailedLoadIsTriedAgainByTheNextRequest() {
        var placement = ModelPlacement()
        guard case .startLoad(let generation) = placement.step(model: "m", backend: "b") else {
            Issue.record("expected a load")
            return
        }
        placement.finishLoad(model: "m", backend: "b", generation: generation, success: false)
        guard case .startLoad(let next) = placement.step(model: "m", backend: "b") else {
            Issue.record("expected another load")
            return
        }
        #expect(next != generation)
    }

    @Test func aForgottenModelIsLoadedAgain() {
        var placement = ModelPlacement()
        guard case .startLoad(let generation) = placement.step(model: "m", backend: "b") else { return }
        placement.finishLoad(model: "m", backend: "b", generation: generation, success: true)
        placement.forget(model: "m", backend: "b")
        #expect(placement.slot(model: "m", backend: "b") == nil)
        if case .startLoad = placement.step(model: "m", backend: "b") {} else { Issue.record("expected a load") }
    }

    static func variant(_ keys: String) -> String {
        """
        [[endpoint]]
        name = "mme"
        [[endpoint.variant]]
        name = "A"
        backends = ["http://127.0.0.1:9001"]
        \(keys)
        """
    }

    @Test func readsTheVariantProtocolKeys() throws {
        let configuration = try TestConfigurations.parse(
            Self.variant(
                """
                multi_model = true
                model_not_ready = "reject"
                model_url_prefix = "s3://bucket/models"
                """))
        let options = configuration.endpoints[0].variants[0].protocolOptions
        #expect(options.multiModel)
        #expect(options.modelNotReady == .reject)
        #expect(options.modelURLPrefix == "s3://bucket/models")
        #expect(options.backendProtocol == .sagemaker)
    }

    @Test func readsAnOIPVariant() throws {
        let configuration = try TestConfigurations.parse(Self.variant("protocol = \"oip\"\nmodel = \"iris\""))
        let options = configuration.endpoints[0].variants[0].protocolOptions
        #expect(options.backendProtocol == .oip)
        #expect(options.model == "iris")
        #expect(TestConfigurations.error(Self.variant("protocol = \"grpc\""))?.key == "endpoint[0].variant[0].protocol")
        #expect(
            TestConfigurations.error(Self.variant("protocol = \"oip\"\nmulti_model = true"))?.key
                == "endpoint[0].variant[0].multi_model")
        let grpc = try TestConfigurations.parse(Self.variant("protocol = \"oip-grpc\""))
        #expect(grpc.endpoints[0].variants[0].protocolOptions.backendProtocol == .oipGRPC)
        #expect(
            TestConfigurations.error(Self.variant("protocol = \"oip-grpc\"\nmulti_model = true"))?.key
                == "endpoint[0].variant[0].multi_model")
        #expect(
            TestConfigurations.error(Self.variant("model_not_ready = \"later\""))?.key
                == "endpoint[0].variant[0].model_not_ready")
    }

    @Test func modelNamesAreOnePathSegment() {
        #expect(InvocationPipeline.pathSegment("model-a.tar.gz") == "model-a.tar.gz")
        #expect(InvocationPipeline.pathSegment("a b?c") == "a%20b%3Fc")
    }
}
