//! Schema migrations from `migrations/*.sql`, compiled into the binary. Each runs in its own
//! transaction under an advisory lock and is recorded with its checksum, so `kofu migrate` is
//! idempotent and a changed migration file is detected.

use super::DbError;
use sha2::{Digest, Sha256};

/// One embedded SQL migration from `migrations/`.
pub struct Migration {
    /// The version it brings the schema to (1, 2, …), applied in order.
    pub version: i32,
    /// The file name, e.g. "0001_initial.sql".
    pub name: &'static str,
    /// The file's SQL, embedded at build time; its checksum detects a changed file.
    pub sql: &'static str,
}

/// Every migration, in order. A test checks that this list matches the files in `migrations/`.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_initial.sql",
        sql: include_str!("../../migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "0002_audit.sql",
        sql: include_str!("../../migrations/0002_audit.sql"),
    },
    Migration {
        version: 3,
        name: "0003_collection_methods.sql",
        sql: include_str!("../../migrations/0003_collection_methods.sql"),
    },
    Migration {
        version: 4,
        name: "0004_instalments.sql",
        sql: include_str!("../../migrations/0004_instalments.sql"),
    },
    Migration {
        version: 5,
        name: "0005_tax_data.sql",
        sql: include_str!("../../migrations/0005_tax_data.sql"),
    },
    Migration {
        version: 6,
        name: "0006_retention.sql",
        sql: include_str!("../../migrations/0006_retention.sql"),
    },
    Migration {
        version: 7,
        name: "0007_unprintable.sql",
        sql: include_str!("../../migrations/0007_unprintable.sql"),
    },
    Migration {
        version: 8,
        name: "0008_certificate_contents.sql",
        sql: include_str!("../../migrations/0008_certificate_contents.sql"),
    },
    Migration {
        version: 9,
        name: "0009_audit_chains.sql",
        sql: include_str!("../../migrations/0009_audit_chains.sql"),
    },
];

const LOCK_KEY: i64 = 0x6b6f_6675; // "kofu"

fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

/// The schema version this build needs.
pub fn latest_version() -> i32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Applies what is missing; returns the versions applied now.
pub async fn run(client: &mut tokio_postgres::Client) -> Result<Vec<i32>, DbError> {
    client
        .batch_execute(
            "SET client_min_messages TO warning;
             CREATE TABLE IF NOT EXISTS kofu_schema_migration (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                checksum   text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())",
        )
        .await?;
    let mut applied_now = Vec::new();
    for migration in MIGRATIONS {
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
            .await?;
        let existing = tx
            .query_opt(
                "SELECT checksum FROM kofu_schema_migration WHERE version = $1",
                &[&migration.version],
            )
            .await?;
        match existing {
            Some(row) => {
                let recorded: String = row.get(0);
                if recorded != checksum(migration.sql) {
                    return Err(DbError::Migration(format!(
                        "migration {} was changed after it was applied; restore the original file \
                         and add a new migration instead",
                        migration.name
                    )));
                }
            }
            None => {
                tx.batch_execute(migration.sql).await?;
                tx.execute(
                    "INSERT INTO kofu_schema_migration (version, name, checksum) VALUES ($1, $2, $3)",
                    &[&migration.version, &migration.name, &checksum(migration.sql)],
                )
                .await?;
                applied_now.push(migration.version);
            }
        }
        tx.commit().await?;
    }
    Ok(applied_now)
}

/// Fails with a message saying what to do unless the database is at this build's schema version.
pub async fn ensure_current(client: &tokio_postgres::Client) -> Result<(), DbError> {
    let table_exists: bool = client
        .query_one(
            "SELECT to_regclass('kofu_schema_migration') IS NOT NULL",
            &[],
        )
        .await?
        .get(0);
    let version: i32 = if table_exists {
        client
            .query_one(
                "SELECT coalesce(max(version), 0) FROM kofu_schema_migration",
                &[],
            )
            .await?
            .get(0)
    } else {
        0
    };
    let needed = latest_version();
    if version < needed {
        return Err(DbError::Migration(format!(
            "the database schema is at version {version} but this kofu needs version {needed}: \
             run `kofu migrate --config <FILE>` first"
        )));
    }
    if version > needed {
        return Err(DbError::Migration(format!(
            "the database schema is at version {version}, newer than this kofu knows ({needed}): \
             run a newer kofu"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_file_is_listed_in_order() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let listed: Vec<&str> = MIGRATIONS.iter().map(|m| m.name).collect();
        assert_eq!(files, listed);
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i32 + 1);
            assert!(m.name.starts_with(&format!("{:04}_", m.version)));
        }
    }
}
