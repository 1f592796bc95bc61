import GRDB

extension KeyStore {
    /// Migrations of the `api_key*` tables; identifiers are prefixed so other code can migrate its own tables in
    /// the same database file.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("api_key.v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS api_key (
                        id TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL,
                        endpoints TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        expires_at REAL,
                        revoked_at REAL,
                        rotated_at REAL,
                        rate_per_second REAL,
                        burst INTEGER,
                        quota_limit INTEGER,
                        quota_period TEXT,
                        secret_salt BLOB NOT NULL,
                        secret_hash BLOB NOT NULL,
                        access_key_id TEXT UNIQUE,
                        sealed_secret BLOB
                    );
                    CREATE TABLE IF NOT EXISTS api_key_revision (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        revision INTEGER NOT NULL
                    );
                    INSERT OR IGNORE INTO api_key_revision (id, revision) VALUES (1, 0);
                    """)
        }
        return migrator
    }
}
