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
    let all: Vec<i32> = (1..=latest).collect();
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
