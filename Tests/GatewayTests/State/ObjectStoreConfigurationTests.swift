import Foundation
import Testing

@testable import InvocationCore

/// `[object_store]`, `s3://` locations and `[async]`'s object store locations (the store itself is exercised with
/// moto's server and three replicas in `Tests/python/test_fleet_async.py`).
@Suite("Object store configuration")
struct ObjectStoreConfigurationTests {
    static let endpoint =
        "\n[[endpoint]]\nname = \"e\"\n[[endpoint.variant]]\nname = \"V\"\nbackends = [\"http://127.0.0.1:1\"]\n"

    @Test func locationsParseAndNameTheirProblems() throws {
        #expect(try S3Location(parsing: "s3://bucket/a/b.csv") == S3Location(bucket: "bucket", key: "a/b.csv"))
        #expect(try S3Location(parsing: "file:///x") == nil)
        #expect(try S3Location(parsing: "s3://bucket", allowPrefix: true) == S3Location(bucket: "bucket", key: ""))
        #expect(S3Location(bucket: "b", key: "out").appending("x.out").description == "s3://b/out/x.out")
        #expect(S3Location(bucket: "b", key: "").appending("x.out").description == "s3://b/x.out")
        for (text, problem) in [
            ("s3://Bad_Bucket/k", "valid bucket"), ("s3://ab/k", "valid bucket"), ("s3://bucket", "no object key"),
            ("s3://bucket/", "no object key"), ("s3://bucket/a\u{1}b", "control characters"),
            ("s3://bucket/" + String(repeating: "k", count: 1025), "longer than 1024"),
        ] {
            let error = #expect(throws: ObjectStoreError.self) { try S3Location(parsing: text) }
            #expect(error?.message.contains(problem) == true, "\(text): \(error?.message ?? "")")
        }
    }

    @Test func theTableTakesEndpointAndRegion() throws {
        let configuration = try #require(
            try TestConfigurations.parse(
                "[object_store]\nendpoint = \"http://127.0.0.1:9000\"\nregion = \"eu-west-1\"\n" + Self.endpoint
            ).objectStore)
        #expect(configuration.endpoint.absoluteString == "http://127.0.0.1:9000")
        #expect(configuration.region == "eu-west-1")
        let defaults = try #require(
            try TestConfigurations.parse("[object_store]\nregion = \"ap-south-1\"\n" + Self.endpoint).objectStore)
        #expect(defaults.endpoint.absoluteString == "https://s3.ap-south-1.amazonaws.com")
    }

    @Test func asyncObjectLocationsNeedTheObjectStore() throws {
        let configuration = try TestConfigurations.parse(
            "[object_store]\nendpoint = \"http://127.0.0.1:9000\"\n[async]\noutput_location = \"s3://bucket/out\"\n"
                + Self.endpoint)
        let async = try #require(configuration.asyncInvocations)
        #expect(async.outputLocation == S3Location(bucket: "bucket", key: "out"))
        #expect(async.failureLocation == S3Location(bucket: "bucket", key: "out/failure/"))
        for (table, key) in [
            ("[async]\noutput_location = \"s3://bucket/out\"\n", "async.output_location"),
            ("[object_store]\n[async]\nfailure_location = \"/tmp/x\"\n", "async.failure_location"),
            ("[object_store]\nendpoint = \"ftp://x\"\n", "object_store.endpoint"),
            ("[object_store]\nregion = \"us east\"\n", "object_store.region"),
        ] {
            #expect(TestConfigurations.error(table + Self.endpoint)?.key == key, "\(table)")
        }
    }

    @Test func captureUploadNeedsTheObjectStoreAndNamesAPrefix() throws {
        let capture = "\n[endpoint.capture]\nupload = \"s3://bucket/datacapture\"\n"
        let configuration = try TestConfigurations.parse(
            "[object_store]\nendpoint = \"http://127.0.0.1:9000\"\n" + Self.endpoint + capture)
        #expect(configuration.endpoints[0].captureUpload == S3Location(bucket: "bucket", key: "datacapture"))
        #expect(TestConfigurations.error(Self.endpoint + capture)?.key == "endpoint[0].capture.upload")
        #expect(
            TestConfigurations.error(
                "[object_store]\n" + Self.endpoint + "\n[endpoint.capture]\nupload = \"/tmp/x\"\n")?.key
                == "endpoint[0].capture.upload")
    }

    @Test func replicaIDsAreFileNameSafe() throws {
        #expect(
            try TestConfigurations.parse("[server]\nreplica_id = \"gw-1.a_b\"\n" + Self.endpoint).server.replicaID
                == "gw-1.a_b")
        for bad in ["", ".hidden", "a/b", "a b", String(repeating: "x", count: 64)] {
            #expect(
                TestConfigurations.error("[server]\nreplica_id = \"\(bad)\"\n" + Self.endpoint)?.key
                    == "server.replica_id", "\(bad)")
        }
        #expect(
            ServerConfiguration.defaultReplicaID(environment: ["HOSTNAME": "mlgateway-7d9f-x2"]) == "mlgateway-7d9f-x2")
        #expect(
            ServerConfiguration.defaultReplicaID(environment: ["MLGATEWAY_REPLICA_ID": "r1", "HOSTNAME": "h"]) == "r1")
        #expect(ServerConfiguration.defaultReplicaID(environment: ["HOSTNAME": "bad/name"]) == "gateway")
    }

    @Test func s3ListingsAreReadWithTheirEntitiesDecoded() {
        let text = """
            <ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>a&amp;b/1.jsonl</Key></Contents>
            <Contents><Key>c&lt;d&gt;.jsonl</Key></Contents><NextContinuationToken>t1</NextContinuationToken>
            </ListBucketResult>
            """
        #expect(ObjectStoreClient.elements("Key", in: text) == ["a&b/1.jsonl", "c<d>.jsonl"])
        #expect(ObjectStoreClient.elements("NextContinuationToken", in: text) == ["t1"])
        #expect(ObjectStoreClient.elements("Missing", in: text).isEmpty)
    }
}

/// `[endpoint.drift]` and `[notifications]` (live drift itself runs against a real gateway in
/// `Tests/python/test_live_drift.py`).
@Suite("Live drift configuration")
struct LiveDriftConfigurationTests {
    @Test func driftAndNotificationsTablesAreReadAndCheckedByKey() throws {
        let configuration = try TestConfigurations.parse(
            "[notifications]\nwebhook = \"http://127.0.0.1:9/events\"\n" + ObjectStoreConfigurationTests.endpoint
                + "\n[endpoint.drift]\nbaseline = \"/srv/baseline\"\nwindow = \"10m\"\nmin_rows = 50\n")
        let drift = try #require(configuration.endpoints[0].drift)
        #expect(drift.baseline.path == "/srv/baseline" && drift.window == .seconds(600) && drift.minRows == 50)
        #expect(configuration.notifications?.webhook.absoluteString == "http://127.0.0.1:9/events")
        for (table, key) in [
            ("\n[endpoint.drift]\nwindow = \"10m\"\n", "endpoint[0].drift.baseline"),
            ("\n[endpoint.drift]\nbaseline = \"b\"\nwindow = \"0s\"\n", "endpoint[0].drift.window"),
            ("\n[endpoint.drift]\nbaseline = \"b\"\nmin_rows = 0\n", "endpoint[0].drift.min_rows"),
            ("\n[endpoint.drift]\nbaseline = \"b\"\nthreshold = 1\n", "endpoint[0].drift.threshold"),
        ] {
            #expect(
                TestConfigurations.error(ObjectStoreConfigurationTests.endpoint + table)?.key == key, "\(table)")
        }
        #expect(
            TestConfigurations.error(
                "[notifications]\nwebhook = \"ftp://x\"\n" + ObjectStoreConfigurationTests.endpoint)?
                .key == "notifications.webhook")
    }

    @Test func eventsLookLikeEventBridgeEvents() throws {
        let event = WebhookNotifier.event(
            detailType: "Live Drift Violation", detail: #"{"endpoint":"e"}"#,
            time: Date(timeIntervalSince1970: 1_795_428_672))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(event.utf8)) as? [String: Any])
        #expect(document["source"] as? String == "mlgateway")
        #expect(document["detail-type"] as? String == "Live Drift Violation")
        #expect(document["time"] as? String == "2026-11-23T10:11:12Z")
        #expect((document["detail"] as? [String: Any])?["endpoint"] as? String == "e")
    }
}
