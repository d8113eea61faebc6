//! Retention as the tax system, the relay and an operator meet it: a fiscal year's tax data goes
//! when no resident can be offered it any more (the first applied batch on or after the last
//! switchover day, or `kofu purge` when the sync is late), issuance records go after their
//! retention, each purge is recorded, and the configuration may not offer what it would purge.

use crate::fixtures::{self, YAMADA_CARD};
use crate::helpers::{
    SHINJUKU, TestApp, TestCerts, TestDb, issue_request, settings, spawn_app, spawn_app_with,
};
use chrono::NaiveDate;
use kofu::domain::assessment::{CollectionMethod, Payment};
use kofu::domain::resident::CardLink;
use kofu::domain::sync_record::SyncRecord;
use kofu::grpc::pb::{self, issue_certificate_response::Outcome};
use kofu::grpc::sync_records::record_to_wire;

const DIRECT: usize = 0;
const PAYROLL: usize = 1;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn addressee_no(i: usize) -> String {
    format!("00000003{i:02}")
}

fn card(i: usize) -> String {
    format!("RETNCARD0000{i:04}")
}

/// The `i`th person of these tests: 山田's resident record under another 宛名番号, a card, and
/// 山田's assessment for each of `years`, collected by `method`.
fn person(
    i: usize,
    method: CollectionMethod,
    years: impl IntoIterator<Item = i32>,
) -> Vec<SyncRecord> {
    let mut resident = fixtures::records()
        .into_iter()
        .find_map(|r| match r {
            SyncRecord::Resident(r) => Some(r),
            _ => None,
        })
        .unwrap();
    resident.addressee_no = addressee_no(i);
    let mut records = vec![
        SyncRecord::Resident(resident),
        SyncRecord::CardLink(CardLink {
            card_serial: card(i),
            addressee_no: addressee_no(i),
            valid_from: date(2020, 1, 1),
            valid_until: None,
        }),
    ];
    for year in years {
        let mut a = fixtures::yamada_2025();
        a.addressee_no = addressee_no(i);
        a.fiscal_year = year;
        a.collection_methods = vec![method];
        records.push(SyncRecord::Assessment(a));
    }
    records
}

/// A settled year's payment in the older year-total form.
fn paid_year(i: usize, fiscal_year: i32) -> SyncRecord {
    SyncRecord::Payment(Payment {
        addressee_no: addressee_no(i),
        fiscal_year,
        tax_item: "inhabitant_tax".into(),
        assessed_yen: 369_600,
        paid_yen: 369_600,
        unpaid_yen: 0,
        last_due_date: Some(date(fiscal_year + 1, 1, 31)),
        last_paid_on: Some(date(fiscal_year + 1, 1, 31)),
        instalments: vec![],
    })
}

/// 令和3年度 to 令和7年度 for a direct-billing and a payroll-withholding resident, and the
/// direct-billing resident's 令和3年度 payment.
fn five_years() -> Vec<SyncRecord> {
    let mut records = person(DIRECT, CollectionMethod::DirectBilling, 2021..=2025);
    records.extend(person(
        PAYROLL,
        CollectionMethod::PayrollWithholding,
        2021..=2025,
    ));
    records.push(paid_year(DIRECT, 2021));
    records
}

/// A whole batch as the tax system streams it, extracted at `at`.
fn batch(
    batch_id: &str,
    mode: pb::SyncMode,
    at: &str,
    records: &[SyncRecord],
) -> Vec<pb::SyncMessage> {
    use pb::sync_message::Body;
    let at = chrono::DateTime::parse_from_rfc3339(at).unwrap();
    let mut messages = vec![pb::SyncMessage {
        body: Some(Body::Header(pb::BatchHeader {
            batch_id: batch_id.into(),
            municipality_code: SHINJUKU.into(),
            mode: mode as i32,
            extracted_at: Some(prost_types::Timestamp {
                seconds: at.timestamp(),
                nanos: 0,
            }),
        })),
    }];
    messages.extend(records.chunks(3).map(|chunk| pb::SyncMessage {
        body: Some(Body::Chunk(pb::RecordChunk {
            records: chunk.iter().map(record_to_wire).collect(),
        })),
    }));
    messages.push(pb::SyncMessage {
        body: Some(Body::Trailer(pb::BatchTrailer {
            record_count: records.len() as i64,
        })),
    });
    messages
}

/// A server on the test's database whose clock says `now`.
async fn app_at(db: &TestDb, now: &str) -> TestApp {
    let now = chrono::DateTime::parse_from_rfc3339(now).unwrap();
    spawn_app_with(TestDb::existing(db.url.clone()), |s| {
        s.clock.fixed_now = Some(now)
    })
    .await
}

/// Uploads a batch on `app`'s day and requires it applied; returns the purged fiscal years.
async fn applied(app: &TestApp, messages: Vec<pb::SyncMessage>) -> Vec<i32> {
    let report = app.upload(messages).await.unwrap();
    assert_eq!(report.state(), pb::BatchState::Applied, "{report:?}");
    report.purged_fiscal_years
}

/// A small DELTA batch extracted at `at`: the payroll resident's record sent again.
fn nightly(batch_id: &str, at: &str) -> Vec<pb::SyncMessage> {
    let resident = person(PAYROLL, CollectionMethod::PayrollWithholding, []).remove(0);
    batch(batch_id, pb::SyncMode::Delta, at, &[resident])
}

/// An 所得証明書 for person `i` and `fiscal_year`: `Ok(certificate number)` or the refusal.
async fn income_certificate(
    app: &TestApp,
    request_id: &str,
    i: usize,
    fiscal_year: i32,
) -> Result<String, pb::RefusalReason> {
    let response = app
        .issue_certificate(pb::IssueCertificateRequest {
            kind: pb::CertificateKind::Income as i32,
            fiscal_year,
            ..issue_request(request_id, &card(i))
        })
        .await
        .unwrap();
    match response.outcome.unwrap() {
        Outcome::Issued(c) => Ok(c.certificate_number),
        Outcome::Refusal(r) => Err(r.reason()),
    }
}

/// The fiscal years of 所得証明書 ListAvailable offers person `i`, newest first.
async fn income_years_offered(app: &TestApp, i: usize) -> Vec<i32> {
    let listed = app.list_available(&card(i)).await.unwrap();
    listed
        .offers
        .iter()
        .find(|o| o.kind() == pb::CertificateKind::Income)
        .unwrap_or_else(|| panic!("no income offer: {listed:?}"))
        .fiscal_years
        .clone()
}

async fn fiscal_years_held(db: &TestDb, table: &str) -> Vec<i32> {
    db.client()
        .await
        .query(
            &format!("SELECT DISTINCT fiscal_year FROM {table} WHERE lg_code = $1 ORDER BY 1"),
            &[&SHINJUKU],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// (batch_id, kept_years, oldest_fiscal_year_kept, issued_before as a Japan date, deleted) of
/// every retention purge, oldest first.
type PurgeRecord = (
    Option<String>,
    Vec<i32>,
    Option<i32>,
    Option<NaiveDate>,
    serde_json::Value,
);

async fn purges(db: &TestDb) -> Vec<PurgeRecord> {
    db.client()
        .await
        .query(
            "SELECT batch_id, kept_years, oldest_fiscal_year_kept,
                    (issued_before AT TIME ZONE 'Asia/Tokyo')::date, deleted
             FROM retention_purge WHERE lg_code = $1 ORDER BY id",
            &[&SHINJUKU],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect()
}

/// Runs the `kofu` binary against the test's database with the development configuration (or
/// `config`), its clock at `now`; (success, stdout and stderr).
fn kofu(db: &TestDb, args: &[&str], config: Option<&std::path::Path>, now: &str) -> (bool, String) {
    let dev = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/ops/kofu.dev.toml"));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_kofu"))
        .args(args)
        .arg("--config")
        .arg(config.unwrap_or(&dev))
        .env("KOFU__DATABASE__URL", &db.url)
        .env("KOFU__CLOCK__FIXED_NOW", now)
        .output()
        .unwrap();
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

/// Between the payroll switchover (5月15日) and the last one (6月1日) a payroll resident already
/// gets 令和7年度 while a direct-billing resident still gets 令和3年度: five years are held. On
/// 6月1日 令和3年度 is no longer offered to anyone, and the day's first applied batch purges it,
/// with its record; the next batch finds nothing more to purge.
#[tokio::test]
async fn the_purge_day_for_a_direct_billing_and_a_payroll_resident() {
    use pb::RefusalReason::YearNotAvailable;
    let db = TestDb::migrated();
    let mut apps = Vec::new();

    // 20 May: the tax system sends all five years.
    let at = "2025-05-20T10:00:00+09:00";
    let app = app_at(&db, at).await;
    let purged = applied(
        &app,
        batch("full-0520", pb::SyncMode::Full, at, &five_years()),
    )
    .await;
    assert!(purged.is_empty(), "{purged:?}");
    assert_eq!(
        fiscal_years_held(&db, "assessment").await,
        vec![2021, 2022, 2023, 2024, 2025]
    );
    assert_eq!(
        income_years_offered(&app, PAYROLL).await,
        vec![2025, 2024, 2023, 2022]
    );
    assert_eq!(
        income_years_offered(&app, DIRECT).await,
        vec![2024, 2023, 2022, 2021]
    );
    assert!(
        income_certificate(&app, "w-2025", PAYROLL, 2025)
            .await
            .is_ok()
    );
    assert!(
        income_certificate(&app, "d-2021", DIRECT, 2021)
            .await
            .is_ok()
    );
    assert_eq!(
        income_certificate(&app, "w-2021", PAYROLL, 2021).await,
        Err(YearNotAvailable)
    );
    assert_eq!(
        income_certificate(&app, "d-2025", DIRECT, 2025).await,
        Err(YearNotAvailable)
    );
    apps.push(app);

    // 31 May, the day before the last switchover: a batch purges nothing, 令和3年度 is issued.
    let at = "2025-05-31T22:00:00+09:00";
    let app = app_at(&db, at).await;
    assert!(applied(&app, nightly("delta-0531", at)).await.is_empty());
    assert!(
        income_certificate(&app, "d-2021-0531", DIRECT, 2021)
            .await
            .is_ok()
    );
    assert!(purges(&db).await.is_empty());
    apps.push(app);

    // 1 June before the batch: no one is offered 令和3年度 any more, though it is still held.
    let at = "2025-06-01T07:00:00+09:00";
    let app = app_at(&db, at).await;
    assert_eq!(
        income_years_offered(&app, DIRECT).await,
        vec![2025, 2024, 2023, 2022]
    );
    assert_eq!(
        income_certificate(&app, "d-2021-0601", DIRECT, 2021).await,
        Err(YearNotAvailable)
    );
    assert_eq!(fiscal_years_held(&db, "assessment").await[0], 2021);

    // The day's first applied batch purges it and records what it deleted.
    assert_eq!(applied(&app, nightly("delta-0601", at)).await, vec![2021]);
    assert_eq!(
        app.get_batch("delta-0601")
            .await
            .unwrap()
            .purged_fiscal_years,
        vec![2021]
    );
    assert_eq!(
        fiscal_years_held(&db, "assessment").await,
        vec![2022, 2023, 2024, 2025]
    );
    assert!(fiscal_years_held(&db, "payment").await.is_empty());
    assert_eq!(
        purges(&db).await,
        vec![(
            Some("delta-0601".to_owned()),
            vec![2025, 2024, 2023, 2022],
            Some(2022),
            Some(date(2018, 4, 1)),
            serde_json::json!([
                {"table": "assessment", "fiscal_year": 2021, "rows": 2},
                {"table": "payment", "fiscal_year": 2021, "rows": 1}
            ])
        )]
    );
    let audited: String = db
        .client()
        .await
        .query_one(
            "SELECT outcome FROM audit_entry WHERE action = 'SyncBatch'
             AND request->>'batch_id' = 'delta-0601'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(audited.contains("purged fiscal years [2021]"), "{audited}");
    assert_eq!(
        income_certificate(&app, "d-2021-after", DIRECT, 2021).await,
        Err(YearNotAvailable)
    );
    assert!(
        income_certificate(&app, "d-2022", DIRECT, 2022)
            .await
            .is_ok()
    );
    assert!(
        income_certificate(&app, "w-2022", PAYROLL, 2022)
            .await
            .is_ok()
    );
    assert!(
        income_certificate(&app, "d-2025-0601", DIRECT, 2025)
            .await
            .is_ok()
    );

    // The floor has not moved since: the next batch, a FULL one with all five years again,
    // deletes only what it brought below the floor.
    let purged = applied(
        &app,
        batch("full-0601", pb::SyncMode::Full, at, &five_years()),
    )
    .await;
    assert_eq!(purged, vec![2021]);
    assert!(applied(&app, nightly("delta-0601-2", at)).await.is_empty());
    assert_eq!(purges(&db).await.len(), 2);
    apps.push(app);
    for app in apps {
        app.stop().await.unwrap();
    }
}

/// A municipality whose sync is late: `kofu purge` runs the same purge on the day, records it
/// with no batch id, and appends an audit entry; before the last switchover it purges nothing.
#[tokio::test]
async fn kofu_purge_runs_the_purge_when_the_sync_is_late() {
    let db = TestDb::migrated();
    let at = "2025-05-20T10:00:00+09:00";
    let app = app_at(&db, at).await;
    assert!(
        applied(
            &app,
            batch("full-0520", pb::SyncMode::Full, at, &five_years())
        )
        .await
        .is_empty()
    );

    let purge = ["purge", "--municipality", SHINJUKU];
    let (ok, out) = kofu(&db, &purge, None, "2025-05-31T12:00:00+09:00");
    assert!(ok && out.contains("nothing to purge"), "{out}");
    assert!(out.contains("fiscal years from 2021"), "{out}");
    assert!(purges(&db).await.is_empty());

    // No batch came on 1 June: ten days later an operator purges.
    let (ok, out) = kofu(&db, &purge, None, "2025-06-10T12:00:00+09:00");
    assert!(ok, "{out}");
    assert!(
        out.contains("purged 新宿区 (131041): fiscal years [2021]")
            && out.contains("assessment 2021: 2, payment 2021: 1"),
        "{out}"
    );
    assert_eq!(
        fiscal_years_held(&db, "assessment").await,
        vec![2022, 2023, 2024, 2025]
    );
    assert_eq!(
        purges(&db).await,
        vec![(
            None,
            vec![2025, 2024, 2023, 2022],
            Some(2022),
            Some(date(2018, 4, 1)),
            serde_json::json!([
                {"table": "assessment", "fiscal_year": 2021, "rows": 2},
                {"table": "payment", "fiscal_year": 2021, "rows": 1}
            ])
        )]
    );

    // Run again: nothing more, and each run is in the audit trail.
    let (ok, out) = kofu(&db, &purge, None, "2025-06-10T12:05:00+09:00");
    assert!(ok && out.contains("nothing to purge"), "{out}");
    assert_eq!(purges(&db).await.len(), 1);
    let rows = db
        .client()
        .await
        .query(
            "SELECT client_identity, lg_code, outcome, request FROM audit_entry
             WHERE action = 'RetentionPurge' ORDER BY seq",
            &[],
        )
        .await
        .unwrap();
    let got: Vec<(String, String, String, serde_json::Value)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(
        got.iter()
            .all(|(who, lg, ..)| who == "kofu purge" && lg == SHINJUKU)
    );
    assert_eq!(got[0].2, "nothing to purge");
    assert!(
        got[1].2.starts_with("purged; fiscal years [2021]"),
        "{got:?}"
    );
    assert_eq!(
        got[1].3,
        serde_json::json!({"oldest_fiscal_year_kept": 2022, "issued_before": "2018-04-01"})
    );
    let (ok, out) = kofu(&db, &["audit", "verify"], None, "2025-06-10T12:10:00+09:00");
    assert!(ok && out.contains("intact"), "{out}");

    // A municipality not served is an error naming it.
    let (ok, out) = kofu(
        &db,
        &["purge", "--municipality", "131130"],
        None,
        "2025-06-10T12:00:00+09:00",
    );
    assert!(!ok && out.contains("131130"), "{out}");
    app.stop().await.unwrap();
}

/// Issuance records hold 宛名番号: those issued in a fiscal year more than seven whole fiscal
/// years back go with the next purge (a batch's or `kofu purge`'s), with a record. Certificate
/// numbers are never handed out again and the audit trail stays intact.
#[tokio::test]
async fn issuance_records_past_retention_are_purged_with_a_record() {
    let app = spawn_app().await; // 1 July 2025: records issued from 1 April 2018 are kept
    let mut issued = Vec::new();
    for id in ["old", "edge", "new"] {
        let response = app
            .issue_certificate(pb::IssueCertificateRequest {
                kind: pb::CertificateKind::Income as i32,
                ..issue_request(id, YAMADA_CARD)
            })
            .await
            .unwrap();
        match response.outcome.unwrap() {
            Outcome::Issued(c) => issued.push((c.certificate_number, c.pdf_sha256)),
            other => panic!("{other:?}"),
        }
    }
    // As if issued seven years ago, either side of the start of 平成30年度.
    let db = app.db.client().await;
    for (id, at) in [
        ("old", "2018-03-31T23:59:59+09:00"),
        ("edge", "2018-04-01T00:00:00+09:00"),
    ] {
        db.execute(
            "UPDATE issuance SET issued_at = $2::text::timestamptz WHERE request_id = $1",
            &[&id, &at],
        )
        .await
        .unwrap();
    }
    let counter = || async {
        app.db
            .client()
            .await
            .query_one(
                "SELECT sum(last_number)::bigint FROM certificate_counter",
                &[],
            )
            .await
            .unwrap()
            .get::<_, i64>(0)
    };
    let numbers_drawn = counter().await;

    let at = crate::helpers::NOW;
    assert!(applied(&app, nightly("delta-0701", at)).await.is_empty());
    let remaining: Vec<String> = db
        .query("SELECT request_id FROM issuance ORDER BY request_id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(remaining, vec!["edge", "new"]);
    assert_eq!(
        purges(&app.db).await,
        vec![(
            Some("delta-0701".to_owned()),
            vec![2025],
            Some(2022),
            Some(date(2018, 4, 1)),
            serde_json::json!([{"table": "issuance", "fiscal_year": 2017, "rows": 1}])
        )]
    );
    // GetBatch reports fiscal years of tax data only.
    assert!(
        app.get_batch("delta-0701")
            .await
            .unwrap()
            .purged_fiscal_years
            .is_empty()
    );
    let verified = app
        .verify_certificate(&issued[0].0, &issued[0].1)
        .await
        .unwrap();
    assert_eq!(verified.verification(), pb::Verification::Unknown);
    let verified = app
        .verify_certificate(&issued[1].0, &issued[1].1)
        .await
        .unwrap();
    assert_eq!(verified.verification(), pb::Verification::Valid);

    // Counters are separate: the next certificate gets a new number.
    assert_eq!(counter().await, numbers_drawn);
    let response = app
        .issue_certificate(pb::IssueCertificateRequest {
            kind: pb::CertificateKind::Income as i32,
            ..issue_request("after", YAMADA_CARD)
        })
        .await
        .unwrap();
    match response.outcome.unwrap() {
        Outcome::Issued(c) => assert!(issued.iter().all(|(n, _)| *n != c.certificate_number)),
        other => panic!("{other:?}"),
    }

    // A year later nobody sends a batch: `kofu purge` takes 平成30年度's records.
    let (ok, out) = kofu(
        &app.db,
        &["purge", "--municipality", SHINJUKU],
        None,
        "2026-04-01T09:00:00+09:00",
    );
    assert!(ok && out.contains("1 issuance records"), "{out}");
    let last = purges(&app.db).await.pop().unwrap();
    assert_eq!(
        (last.0, last.3, last.4),
        (
            None,
            Some(date(2019, 4, 1)),
            serde_json::json!([{"table": "issuance", "fiscal_year": 2018, "rows": 1}])
        )
    );
    let (ok, out) = kofu(
        &app.db,
        &["audit", "verify"],
        None,
        "2026-04-01T09:01:00+09:00",
    );
    assert!(ok && out.contains("intact"), "{out}");
    app.stop().await.unwrap();
}

/// A kind may not offer a year that retention purges: the configuration names the key, both when
/// it is read from a file and when the server is built.
#[tokio::test]
async fn years_offered_may_not_exceed_years_kept() {
    let db = TestDb::migrated();
    let dev =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/ops/kofu.dev.toml")).unwrap();
    let offered = "[municipalities.policy.years_offered]\nincome = 4";
    let kept = "[municipalities.policy.retention]\nyears_kept = 4";
    assert!(dev.contains(offered) && dev.contains(kept));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kofu.toml");
    let now = "2025-07-01T10:00:00+09:00";
    let purge = ["purge", "--municipality", SHINJUKU];

    std::fs::write(
        &file,
        dev.replace(offered, "[municipalities.policy.years_offered]\nincome = 5"),
    )
    .unwrap();
    let (ok, out) = kofu(&db, &purge, Some(&file), now);
    assert!(!ok, "{out}");
    assert!(
        out.contains("policy.years_offered.income is 5")
            && out.contains("policy.retention.years_kept (4)"),
        "{out}"
    );

    // Keeping six years (文京区 offers six) allows it.
    std::fs::write(
        &file,
        dev.replace(offered, "[municipalities.policy.years_offered]\nincome = 5")
            .replace(kept, "[municipalities.policy.retention]\nyears_kept = 6"),
    )
    .unwrap();
    let (ok, out) = kofu(&db, &purge, Some(&file), now);
    assert!(ok && out.contains("nothing to purge"), "{out}");

    for (replace, expected) in [
        (
            "years_kept = 0",
            "policy.retention.years_kept must be 1 to 10",
        ),
        (
            "years_kept = 11",
            "policy.retention.years_kept must be 1 to 10",
        ),
    ] {
        std::fs::write(
            &file,
            dev.replace(
                kept,
                &format!("[municipalities.policy.retention]\n{replace}"),
            ),
        )
        .unwrap();
        let (ok, out) = kofu(&db, &purge, Some(&file), now);
        assert!(!ok && out.contains(expected), "{replace}: {out}");
    }

    // Settings built in code are checked at start-up too.
    let certs = TestCerts::new();
    let mut bad = settings(&db, &certs);
    bad.municipalities[0].policy.years_offered.tax_payment = 5;
    let error = kofu::startup::App::build(bad)
        .await
        .err()
        .expect("the server refuses to start");
    assert!(
        error
            .to_string()
            .contains("policy.years_offered.tax_payment is 5"),
        "{error:#}"
    );
}
