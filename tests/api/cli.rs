//! The `kofu` command as operators run it.

use crate::helpers::TestDb;
use std::process::Command;

fn kofu(args: &[&str], db: &TestDb) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kofu"))
        .args(args)
        .env("KOFU__DATABASE__URL", &db.url)
        .output()
        .unwrap()
}

fn config() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/ops/kofu.dev.toml").to_owned()
}

#[test]
fn migrate_is_idempotent() {
    let db = TestDb::empty();
    let first = kofu(&["migrate", "--config", &config()], &db);
    assert!(first.status.success(), "{first:?}");
    let latest = kofu::db::migrate::latest_version();
    let all: Vec<i32> = kofu::db::migrate::MIGRATIONS
        .iter()
        .map(|m| m.version)
        .collect();
    assert!(
        String::from_utf8_lossy(&first.stdout).contains(&format!("applied migrations {all:?}")),
        "{first:?}"
    );
    let second = kofu(&["migrate", "--config", &config()], &db);
    assert!(second.status.success(), "{second:?}");
    assert!(
        String::from_utf8_lossy(&second.stdout)
            .contains(&format!("already at schema version {latest}"))
    );
}

#[test]
fn seed_writes_a_synthetic_municipality() {
    let db = TestDb::migrated();
    let output = kofu(
        &[
            "seed",
            "--config",
            &config(),
            "--residents",
            "200",
            "--latest-fiscal-year",
            "2025",
        ],
        &db,
    );
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("seeded 新宿区 (131041): 200 residents"),
        "{stdout}"
    );
    // Re-seeding replaces rather than duplicates.
    let again = kofu(
        &[
            "seed",
            "--config",
            &config(),
            "--residents",
            "200",
            "--latest-fiscal-year",
            "2025",
        ],
        &db,
    );
    assert!(again.status.success(), "{again:?}");
}

#[test]
fn dev_certs_writes_a_ca_a_server_and_one_client_per_role() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_kofu"))
        .args(["dev-certs"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    for file in [
        "ca.pem",
        "server.pem",
        "server.key",
        "relay.pem",
        "relay.key",
        "sync.pem",
        "sync.key",
        "ops.pem",
        "ops.key",
    ] {
        let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
        assert!(text.starts_with("-----BEGIN"), "{file}");
    }
}

#[test]
fn a_bad_config_is_reported_clearly() {
    let db = TestDb::empty();
    let output = kofu(&["migrate", "--config", "/nonexistent/kofu.toml"], &db);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("does not exist"));
}

#[tokio::test]
async fn an_upgrade_reads_stored_collection_methods_conservatively() {
    use kofu::db::migrate::MIGRATIONS;
    let db = TestDb::empty();
    let client = db.client().await;
    for migration in &MIGRATIONS[..2] {
        client.batch_execute(migration.sql).await.unwrap();
    }
    client
        .batch_execute(
            "CREATE TABLE assessment_old PARTITION OF assessment FOR VALUES IN ('131041');
             INSERT INTO assessment (lg_code, addressee_no, fiscal_year, declared, taxable,
                 collection_method, income_lines, deduction_lines, dependants, total_income_yen,
                 aggregate_income_yen, taxable_base_yen, municipal_income_levy_yen,
                 municipal_per_capita_levy_yen, prefectural_income_levy_yen,
                 prefectural_per_capita_levy_yen, forest_env_tax_yen, total_tax_yen, tax_credits,
                 under_revision)
             SELECT '131041', m, 2025, true, true, m, '[]', '[]', '{}', 0, 0, 0, 0, 0, 0, 0, 0,
                    0, '[]', false
             FROM unnest(ARRAY['withholding', 'direct_billing', 'mixed']) AS m;",
        )
        .await
        .unwrap();
    client.batch_execute(MIGRATIONS[2].sql).await.unwrap();
    let rows = client
        .query(
            "SELECT addressee_no, collection_methods FROM assessment ORDER BY addressee_no",
            &[],
        )
        .await
        .unwrap();
    let got: Vec<(String, Vec<String>)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    let row = |old: &str, new: &[&str]| {
        (
            old.to_owned(),
            new.iter().map(|m| (*m).to_owned()).collect::<Vec<_>>(),
        )
    };
    // The old 'withholding' did not say whose: it never opens a year early.
    assert_eq!(
        got,
        vec![
            row("direct_billing", &["direct_billing"]),
            row("mixed", &["pension_withholding", "direct_billing"]),
            row("withholding", &["pension_withholding"]),
        ]
    );
}
