import PostgresState
import Testing

@Suite("PostgreSQL location")
struct PostgresLocationTests {
    @Test func readsEveryPartOfTheURL() throws {
        let location = try PostgresLocation(url: "postgres://gateway:s3cret@db.internal:6432/fleet?sslmode=require")
        #expect(location.host == "db.internal" && location.port == 6432)
        #expect(location.username == "gateway" && location.password == "s3cret")
        #expect(location.database == "fleet" && location.sslMode == .require)
        #expect(location.redacted == "postgres://gateway:***@db.internal:6432/fleet?sslmode=require")
    }

    @Test func defaultsAreLibpqs() throws {
        let location = try PostgresLocation(url: "postgresql://gateway@127.0.0.1", environment: [:])
        #expect(location.port == 5432 && location.database == "gateway" && location.sslMode == .prefer)
        #expect(location.password == nil)
        #expect(location.redacted == "postgres://gateway@127.0.0.1:5432/gateway?sslmode=prefer")
    }

    @Test func badURLsAreConfigurationErrorsNamingTheProblem() {
        for (url, problem) in [
            ("redis://gateway@host/db", "not a PostgreSQL URL"),
            ("postgres:///db", "names no host"),
            ("postgres://host/db", "names no user"),
            ("postgres://u@host:0/db", "port 0"),
            ("postgres://u@host/db?sslmode=verify-full", "sslmode must be"),
            ("postgres://u@host/db?application_name=x", "unsupported PostgreSQL URL parameter 'application_name'"),
        ] {
            let error = #expect(throws: PostgresStateError.self) { try PostgresLocation(url: url) }
            #expect(error?.kind == .configuration, "\(url)")
            #expect(error?.message.contains(problem) == true, "\(url): \(error?.message ?? "")")
        }
    }

    @Test func aURLWithoutPasswordTakesPGPASSWORD() throws {
        let location = try PostgresLocation(url: "postgres://gateway@db/fleet", environment: ["PGPASSWORD": "from-env"])
        #expect(location.password == "from-env")
        #expect(location.redacted == "postgres://gateway:***@db:5432/fleet?sslmode=prefer")
        let explicit = try PostgresLocation(url: "postgres://gateway:inline@db/fleet", environment: ["PGPASSWORD": "x"])
        #expect(explicit.password == "inline")
    }

    @Test func passwordsNeverAppearInTheRedactedForm() throws {
        let location = try PostgresLocation(url: "postgres://u:hunter2@h/d")
        #expect(!location.redacted.contains("hunter2"))
    }
}
