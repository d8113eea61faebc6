//! TaxSyncService as the tax system's nightly job uses it: FULL and DELTA batches, rejected
//! batches that change nothing, cut streams, re-sent batches, retention, and issuance during sync.

use crate::fixtures::{self, CHILD_CARD, UNKNOWN_CARD, YAMADA_CARD};
use crate::helpers::{NOW, RELAY, SHINJUKU, TestApp, issue_request, pdf_tool, spawn_app};
use kofu::domain::resident::{CardLink, Resident, ResidentStatus};
use kofu::domain::sync_record::SyncRecord;
use kofu::grpc::pb::{self, issue_certificate_response::Outcome};
use kofu::grpc::sync_records::record_to_wire;
use tonic::Code;

fn header(batch_id: &str, mode: pb::SyncMode) -> pb::SyncMessage {
    let at = chrono::DateTime::parse_from_rfc3339(NOW).unwrap();
    pb::SyncMessage {
        body: Some(pb::sync_message::Body::Header(pb::BatchHeader {
            batch_id: batch_id.into(),
            municipality_code: SHINJUKU.into(),
            mode: mode as i32,
            extracted_at: Some(prost_types::Timestamp {
                seconds: at.timestamp(),
                nanos: 0,
            }),
        })),
    }
}

fn chunk(records: &[SyncRecord]) -> pb::SyncMessage {
    pb::SyncMessage {
        body: Some(pb::sync_message::Body::Chunk(pb::RecordChunk {
            records: records.iter().map(record_to_wire).collect(),
        })),
    }
}

fn trailer(count: usize) -> pb::SyncMessage {
    pb::SyncMessage {
        body: Some(pb::sync_message::Body::Trailer(pb::BatchTrailer {
            record_count: count as i64,
        })),
    }
}

/// A whole batch, two records a chunk.
fn batch(batch_id: &str, mode: pb::SyncMode, records: &[SyncRecord]) -> Vec<pb::SyncMessage> {
    let mut messages = vec![header(batch_id, mode)];
    messages.extend(records.chunks(2).map(chunk));
    messages.push(trailer(records.len()));
    messages
}

/// The text of the certificate issued for `card`, or the refusal reason.
async fn certificate_text(
    app: &TestApp,
    id: &str,
    card: &str,
    fiscal_year: i32,
) -> Result<String, pb::RefusalReason> {
    let response = app
        .issue_certificate(pb::IssueCertificateRequest {
            fiscal_year,
            ..issue_request(id, card)
        })
        .await
        .unwrap();
    match response.outcome.unwrap() {
        Outcome::Issued(c) => Ok(pdf_tool("pdftotext", &[], &c.pdf)),
        Outcome::Refusal(r) => Err(r.reason()),
    }
}

fn state(report: &pb::SyncReport) -> pb::BatchState {
    report.state()
}

fn renamed_yamada(name: &str) -> Vec<SyncRecord> {
    let mut records = fixtures::records();
    if let SyncRecord::Resident(r) = &mut records[0] {
        r.name = name.into();
    }
    records
}

#[tokio::test]
async fn a_full_then_a_delta_batch_change_what_is_issued() {
    let app = spawn_app().await;
    let report = app
        .upload(batch(
            "full-1",
            pb::SyncMode::Full,
            &renamed_yamada("山田　花江"),
        ))
        .await
        .unwrap();
    assert_eq!(state(&report), pb::BatchState::Applied, "{report:?}");
    assert_eq!(report.counts.unwrap().residents, 4);
    assert!(
        certificate_text(&app, "r1", YAMADA_CARD, 2025)
            .await
            .unwrap()
            .contains("山田　花江")
    );

    // DELTA: a new resident with a card, the child's card withdrawn.
    let newcomer = Resident {
        addressee_no: "0000000009".into(),
        name: "髙橋　一郎".into(),
        name_kana: "タカハシ　イチロウ".into(),
        birth_date: chrono::NaiveDate::from_ymd_opt(1970, 2, 3).unwrap(),
        address: "東京都新宿区四谷一丁目1番1号".into(),
        status: ResidentStatus::Resident,
        moved_in_on: None,
        protection_measure: false,
        issuance_stopped: false,
    };
    let mut assessment = fixtures::yamada_2025();
    assessment.addressee_no = "0000000009".into();
    let delta = vec![
        SyncRecord::Resident(newcomer),
        SyncRecord::CardLink(CardLink {
            card_serial: "NEWCARD000000009".into(),
            addressee_no: "0000000009".into(),
            valid_from: chrono::NaiveDate::from_ymd_opt(2025, 6, 1).unwrap(),
            valid_until: None,
        }),
        SyncRecord::Assessment(assessment),
        SyncRecord::CardLinkDeletion {
            card_serial: CHILD_CARD.into(),
        },
    ];
    let report = app
        .upload(batch("delta-1", pb::SyncMode::Delta, &delta))
        .await
        .unwrap();
    assert_eq!(state(&report), pb::BatchState::Applied, "{report:?}");
    assert!(
        certificate_text(&app, "r2", "NEWCARD000000009", 2025)
            .await
            .unwrap()
            .contains("髙橋　一郎")
    );
    assert_eq!(
        certificate_text(&app, "r3", CHILD_CARD, 2025)
            .await
            .unwrap_err(),
        pb::RefusalReason::UnknownCard
    );
    let stored: serde_json::Value = app
        .db
        .client()
        .await
        .query_one(
            "SELECT tax_credits FROM assessment WHERE addressee_no = '0000000009'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        stored,
        serde_json::json!([{"kind": "adjustment", "amount_yen": 2500, "municipal_amount_yen": 1500}])
    );
    // Untouched by the DELTA.
    assert!(
        certificate_text(&app, "r4", YAMADA_CARD, 2025)
            .await
            .unwrap()
            .contains("山田　花江")
    );

    let status = app.get_batch("delta-1").await.unwrap();
    assert_eq!(state(&status), pb::BatchState::Applied);
    assert_eq!(status.counts.unwrap().card_link_deletions, 1);

    let metrics = app.metrics().await;
    for expected in [
        "kofu_sync_batches_total{municipality=\"131041\",state=\"applied\"} 2",
        "kofu_sync_records_total{municipality=\"131041\",type=\"resident\"} 5",
        "kofu_sync_records_total{municipality=\"131041\",type=\"card_link_deletion\"} 1",
        "kofu_sync_batch_seconds_count{mode=\"delta\",state=\"applied\"} 1",
        "kofu_sync_last_applied_timestamp_seconds{municipality=\"131041\"}",
    ] {
        assert!(metrics.contains(expected), "{expected} missing:\n{metrics}");
    }
    app.stop().await.unwrap();
}

#[tokio::test]
async fn a_batch_with_bad_records_lists_them_all_and_changes_nothing() {
    let app = spawn_app().await;
    let mut records = renamed_yamada("山田　花江");
    // A My Number in a name (which also leaves that person's card link without a valid
    // resident), a card for nobody, amounts that do not add up, a duplicate resident key.
    if let SyncRecord::Resident(r) = &mut records[1] {
        r.name = "山田123456789018".into();
    }
    records.push(SyncRecord::CardLink(CardLink {
        card_serial: "ORPHAN0000000001".into(),
        addressee_no: "0000000077".into(),
        valid_from: chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
        valid_until: None,
    }));
    let mut bad_assessment = fixtures::yamada_2025();
    bad_assessment.fiscal_year = 2024;
    bad_assessment.tax.total_yen += 100;
    records.push(SyncRecord::Assessment(bad_assessment));
    records.push(records[0].clone());
    let report = app
        .upload(batch("bad-1", pb::SyncMode::Full, &records))
        .await
        .unwrap();
    assert_eq!(state(&report), pb::BatchState::Rejected);
    let found: Vec<(i64, &str, &str)> = report
        .errors
        .iter()
        .map(|e| (e.position, e.record_type.as_str(), e.field.as_str()))
        .collect();
    let expected_count = records.len() as i64;
    assert_eq!(
        found,
        vec![
            (2, "resident", "name"),
            (6, "card_link", "addressee_no"),
            (expected_count - 2, "card_link", "addressee_no"),
            (expected_count - 1, "assessment", "tax.total_yen"),
            (expected_count, "resident", "addressee_no"),
        ],
        "{:#?}",
        report.errors
    );
    assert_eq!(report.error_count, 5);
    for e in &report.errors {
        assert!(
            !e.problem.contains("123456789018") && !e.problem.contains("山田"),
            "{e:?}"
        );
    }
    // Issuance still answers from the previous data.
    assert!(
        certificate_text(&app, "r1", YAMADA_CARD, 2025)
            .await
            .unwrap()
            .contains("山田　花子")
    );
    app.stop().await.unwrap();
}

#[tokio::test]
async fn a_stream_cut_in_the_middle_applies_nothing() {
    let app = spawn_app().await;
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tx.send(header("cut-1", pb::SyncMode::Full)).await.unwrap();
    let records = renamed_yamada("山田　花江");
    tx.send(chunk(&records[..2])).await.unwrap();
    let (call, ()) = tokio::join!(
        app.upload_stream(tokio_stream::wrappers::ReceiverStream::new(rx)),
        async move {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            drop(tx); // the sender goes away without a trailer
        }
    );
    let status = call.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(status.message().contains("BatchTrailer"), "{status:?}");

    assert!(
        certificate_text(&app, "r1", YAMADA_CARD, 2025)
            .await
            .unwrap()
            .contains("山田　花子")
    );
    let report = app.get_batch("cut-1").await.unwrap();
    assert_eq!(state(&report), pb::BatchState::Rejected);
    // The same batch id can be sent again, whole, after a cut.
    let report = app
        .upload(batch("cut-1", pb::SyncMode::Full, &records))
        .await
        .unwrap();
    assert_eq!(state(&report), pb::BatchState::Applied, "{report:?}");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn a_resent_batch_is_already_applied_and_a_reused_id_is_rejected() {
    let app = spawn_app().await;
    let records = renamed_yamada("山田　花江");
    let first = app
        .upload(batch("nightly-2025-07-01", pb::SyncMode::Full, &records))
        .await
        .unwrap();
    assert_eq!(state(&first), pb::BatchState::Applied);
    let again = app
        .upload(batch("nightly-2025-07-01", pb::SyncMode::Full, &records))
        .await
        .unwrap();
    assert_eq!(state(&again), pb::BatchState::AlreadyApplied);

    let other = renamed_yamada("山田　花美");
    let reused = app
        .upload(batch("nightly-2025-07-01", pb::SyncMode::Full, &other))
        .await
        .unwrap();
    assert_eq!(state(&reused), pb::BatchState::Rejected);
    assert_eq!(reused.errors[0].field, "batch_id");
    assert!(
        certificate_text(&app, "r1", YAMADA_CARD, 2025)
            .await
            .unwrap()
            .contains("山田　花江")
    );
    app.stop().await.unwrap();
}

/// The new year's data arriving does not purge: a year goes when no resident can be offered it
/// any more (the last switchover day), whatever the batch carries; see `retention.rs`.
#[tokio::test]
async fn a_new_fiscal_years_data_alone_purges_nothing() {
    let app = spawn_app().await;
    let mut records = fixtures::records();
    for year in [2022, 2023, 2024] {
        let mut a = fixtures::yamada_2025();
        a.fiscal_year = year;
        records.push(SyncRecord::Assessment(a));
    }
    let report = app
        .upload(batch("full-4-years", pb::SyncMode::Full, &records))
        .await
        .unwrap();
    assert_eq!(state(&report), pb::BatchState::Applied, "{report:?}");
    assert!(report.purged_fiscal_years.is_empty());

    let mut next_year = fixtures::yamada_2025();
    next_year.fiscal_year = 2026;
    let report = app
        .upload(batch(
            "delta-fy2026",
            pb::SyncMode::Delta,
            &[SyncRecord::Assessment(next_year)],
        ))
        .await
        .unwrap();
    assert_eq!(state(&report), pb::BatchState::Applied, "{report:?}");
    assert!(report.purged_fiscal_years.is_empty());

    let db = app.db.client().await;
    let years: Vec<i32> = db
        .query(
            "SELECT DISTINCT fiscal_year FROM assessment WHERE lg_code = $1 ORDER BY 1",
            &[&SHINJUKU],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(years, vec![2022, 2023, 2024, 2025, 2026]);
    let purges: i64 = db
        .query_one("SELECT count(*) FROM retention_purge", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(purges, 0);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn issuance_during_a_sync_never_mixes_old_and_new_data() {
    let app = spawn_app().await;
    // Two versions of 山田's data: the name and the total tax change together.
    let version = |name: &str, total: i64| {
        let mut records = renamed_yamada(name);
        for r in &mut records {
            if let SyncRecord::Assessment(a) = r {
                if a.addressee_no == "0000000001" {
                    a.tax.municipal_income_levy_yen += total - a.tax.total_yen;
                    a.tax.total_yen = total;
                }
            }
        }
        records
    };
    let versions = [("山田　花子", 369_600), ("山田　花江", 400_000)];
    let issuing = async {
        let mut seen = Vec::new();
        for i in 0..40 {
            let response = app
                .issue_certificate(issue_request(&format!("during-{i}"), YAMADA_CARD))
                .await
                .unwrap();
            if let Some(Outcome::Issued(c)) = response.outcome {
                seen.push(pdf_tool("pdftotext", &[], &c.pdf));
            }
        }
        seen
    };
    let syncing = async {
        for round in 0..6 {
            let (name, total) = versions[(round + 1) % 2];
            let report = app
                .upload(batch(
                    &format!("swap-{round}"),
                    pb::SyncMode::Full,
                    &version(name, total),
                ))
                .await
                .unwrap();
            assert_eq!(state(&report), pb::BatchState::Applied, "{report:?}");
        }
    };
    let (seen, ()) = tokio::join!(issuing, syncing);
    assert_eq!(seen.len(), 40);
    for text in seen {
        let consistent = versions.iter().any(|(name, total)| {
            text.contains(name) && text.contains(&kofu::domain::money::format_yen(*total))
        });
        assert!(consistent, "a certificate mixes two versions:\n{text}");
    }
    app.stop().await.unwrap();
}

#[tokio::test]
async fn protocol_mistakes_are_invalid_arguments_and_other_roles_are_refused() {
    let app = spawn_app().await;
    let records = fixtures::records();

    let no_header = app
        .upload(vec![chunk(&records), trailer(records.len())])
        .await
        .unwrap_err();
    assert_eq!(no_header.code(), Code::InvalidArgument);
    assert!(no_header.message().contains("BatchHeader"), "{no_header:?}");

    let miscounted = app
        .upload(vec![
            header("miscount", pb::SyncMode::Full),
            chunk(&records),
            trailer(records.len() + 1),
        ])
        .await
        .unwrap_err();
    assert_eq!(miscounted.code(), Code::InvalidArgument);
    assert!(
        miscounted.message().contains("trailer counts"),
        "{miscounted:?}"
    );

    let relay = app.get_batch_as(RELAY, "x").await.unwrap_err();
    assert_eq!(relay.code(), Code::PermissionDenied);
    assert_eq!(
        certificate_text(&app, "r1", UNKNOWN_CARD, 2025)
            .await
            .unwrap_err(),
        pb::RefusalReason::UnknownCard
    );
    app.stop().await.unwrap();
}

#[tokio::test]
async fn collection_methods_and_instalments_are_stored_as_sent_and_checked() {
    use kofu::domain::assessment::CollectionMethod;
    let app = spawn_app().await;
    let mut records = fixtures::records();
    let mut both = fixtures::yamada_2025();
    both.collection_methods = vec![
        CollectionMethod::PayrollWithholding,
        CollectionMethod::DirectBilling,
    ];
    records.retain(|r| !matches!(r, SyncRecord::Assessment(a) if a.addressee_no == both.addressee_no && a.fiscal_year == 2025));
    records.push(SyncRecord::Assessment(both));
    if !records.iter().any(|r| matches!(r, SyncRecord::Payment(_))) {
        records.push(SyncRecord::Payment(fixtures::yamada_payment_2025()));
    }
    let report = app
        .upload(batch("shapes-1", pb::SyncMode::Full, &records))
        .await
        .unwrap();
    assert_eq!(
        state(&report),
        pb::BatchState::Applied,
        "{:?}",
        report.errors
    );
    let db = app.db.client().await;
    let row = db
        .query_one(
            "SELECT a.collection_methods, p.instalments
             FROM assessment a JOIN payment p USING (lg_code, addressee_no, fiscal_year)
             WHERE a.addressee_no = '0000000001' AND a.fiscal_year = 2025",
            &[],
        )
        .await
        .unwrap();
    let methods: Vec<String> = row.get(0);
    assert_eq!(methods, vec!["payroll_withholding", "direct_billing"]);
    let stored: serde_json::Value = row.get(1);
    assert_eq!(
        stored,
        serde_json::to_value(fixtures::yamada_payment_2025().instalments).unwrap()
    );

    // Malformed shapes are rejected with the field named, and nothing changes.
    let mut bad = records.clone();
    for record in &mut bad {
        match record {
            SyncRecord::Assessment(a) if a.addressee_no == "0000000001" => {
                a.collection_methods.clear()
            }
            SyncRecord::Payment(p) => p.instalments[5].paid_yen = 1,
            _ => {}
        }
    }
    let report = app
        .upload(batch("shapes-2", pb::SyncMode::Full, &bad))
        .await
        .unwrap();
    assert_eq!(state(&report), pb::BatchState::Rejected);
    let mut fields: Vec<&str> = report.errors.iter().map(|e| e.field.as_str()).collect();
    fields.sort();
    assert_eq!(
        fields,
        vec!["collection_methods", "instalments[5].paid_on", "paid_yen"],
        "{:#?}",
        report.errors
    );
    let methods: Vec<String> = db
        .query_one(
            "SELECT collection_methods FROM assessment
             WHERE addressee_no = '0000000001' AND fiscal_year = 2025",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(methods, vec!["payroll_withholding", "direct_billing"]);
    app.stop().await.unwrap();
}

/// 山田 花子's 令和6年度 as a real 税務システム has it: a business loss offset against the salary,
/// a carried-forward loss, gains on shares taxed separately, the levies before and after the
/// credits with 定額減税, and her own category; 佐藤 一郎 undeclared but named as a dependant.
fn yamada_2024_with_every_shape() -> kofu::domain::assessment::Assessment {
    use kofu::domain::assessment::{
        IncomeKind, IncomeLine, PersonCategory, SeparateIncomeKind, SeparateIncomeLine,
        TaxCreditKind, TaxCreditLine,
    };
    let mut a = fixtures::yamada_2025();
    a.fiscal_year = 2024;
    a.income_lines = vec![
        IncomeLine {
            kind: IncomeKind::Business,
            revenue_yen: 900_000,
            income_yen: -300_000,
        },
        IncomeLine {
            kind: IncomeKind::Salary,
            revenue_yen: 6_850_000,
            income_yen: 5_065_000,
        },
    ];
    a.separate_income_lines = vec![SeparateIncomeLine {
        kind: SeparateIncomeKind::Shares,
        revenue_yen: 1_000_000,
        income_yen: 200_000,
        taxable_base_yen: Some(200_000),
    }];
    a.total_income_yen = 4_965_000;
    a.carried_forward_loss_yen = 65_000;
    a.aggregate_income_yen = 4_900_000;
    a.own_categories = vec![PersonCategory::Widow];
    a.deduction_lines
        .push(kofu::domain::assessment::DeductionLine {
            kind: kofu::domain::assessment::DeductionKind::Widow,
            amount_yen: 260_000,
        });
    a.tax.taxable_base_yen = 3_127_000;
    a.tax.separate_taxable_base_yen = 200_000;
    // 6% and 4% of the base plus 3% and 2% of the separate base; 調整控除 ¥2,500 and 定額減税
    // ¥20,000 (her and one dependant).
    a.tax.municipal_income_levy_before_credits_yen = Some(187_620 + 6_000);
    a.tax.prefectural_income_levy_before_credits_yen = Some(125_080 + 4_000);
    a.tax.municipal_income_levy_yen = 180_100;
    a.tax.prefectural_income_levy_yen = 120_000;
    a.tax.total_yen = a.tax.sum_of_parts();
    a.tax_credits = vec![
        TaxCreditLine {
            kind: TaxCreditKind::Adjustment,
            amount_yen: 2_500,
            municipal_amount_yen: Some(1_500),
        },
        TaxCreditLine {
            kind: TaxCreditKind::FlatRateReduction,
            amount_yen: 20_000,
            municipal_amount_yen: Some(12_000),
        },
    ];
    a
}

#[tokio::test]
async fn losses_separate_income_credits_and_categories_round_trip_and_reach_the_page() {
    let app = spawn_app().await;
    let mut records = fixtures::records();
    let shaped = yamada_2024_with_every_shape();
    records.push(SyncRecord::Assessment(shaped.clone()));
    for record in &mut records {
        if let SyncRecord::Assessment(a) = record {
            if a.addressee_no == "0000000003" {
                a.declared_as_dependant = true;
            }
        }
    }
    let report = app
        .upload(batch("every-shape", pb::SyncMode::Full, &records))
        .await
        .unwrap();
    assert_eq!(
        state(&report),
        pb::BatchState::Applied,
        "{:#?}",
        report.errors
    );
    // What was sent is what kofu reads back for the person.
    let pool = kofu::db::pool(&app.db.url, 1, std::time::Duration::from_secs(5)).unwrap();
    let db = pool.get().await.unwrap();
    let lg = SHINJUKU.parse().unwrap();
    let read = kofu::db::residents::by_addressee(&db, lg, "0000000001", 2024)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.assessment.as_ref(), Some(&shaped));
    let sato = kofu::db::residents::by_addressee(&db, lg, "0000000003", 2025)
        .await
        .unwrap()
        .unwrap();
    assert!(sato.assessment.unwrap().declared_as_dependant);

    // The loss prints with △, the separate income and base on their own lines.
    let text = certificate_text(&app, "every-shape-1", YAMADA_CARD, 2024)
        .await
        .unwrap();
    for expected in [
        "△300,000",
        "株式等の譲渡所得等（分離）",
        "繰越損失控除額",
        "65,000",
        "4,900,000",
        "分離課税分",
    ] {
        assert!(text.contains(expected), "{expected} not in\n{text}");
    }
    assert!(!text.contains("-300,000"));

    // Figures that do not follow are rejected with the field named, and nothing changes.
    let mut bad = shaped.clone();
    bad.income_lines[1].income_yen = -1; // a salary cannot be a loss
    bad.aggregate_income_yen = 4_965_000; // the carried-forward loss not taken off
    bad.tax.prefectural_income_levy_before_credits_yen = None; // half of a pair
    bad.own_categories
        .push(kofu::domain::assessment::PersonCategory::SingleParent);
    let mut bad_records = fixtures::records();
    bad_records.push(SyncRecord::Assessment(bad));
    let report = app
        .upload(batch("every-shape-bad", pb::SyncMode::Full, &bad_records))
        .await
        .unwrap();
    assert_eq!(state(&report), pb::BatchState::Rejected);
    let fields: Vec<&str> = report.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        vec![
            "income_lines[1].income_yen",
            "total_income_yen",
            "aggregate_income_yen",
            "own_categories",
            "tax.municipal_income_levy_before_credits_yen",
        ],
        "{:#?}",
        report.errors
    );
    for e in &report.errors {
        assert!(!e.problem.contains("4,965,000") && !e.problem.contains("4965000"));
    }
    let still = kofu::db::residents::by_addressee(&db, lg, "0000000001", 2024)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.assessment.as_ref(), Some(&shaped));

    // An unknown code in the new lists is named by its index.
    let mut wire = record_to_wire(&SyncRecord::Assessment(shaped));
    if let Some(pb::sync_record::Record::Assessment(a)) = &mut wire.record {
        a.separate_income_lines[0].kind = "lottery".into();
        a.own_categories = vec!["widow".into(), "astronaut".into()];
    }
    let (_, parsed) = kofu::grpc::sync_records::record_from_wire(wire);
    let fields: Vec<String> = parsed.unwrap_err().into_iter().map(|p| p.field).collect();
    assert_eq!(
        fields,
        vec!["separate_income_lines[0].kind", "own_categories[1]"]
    );
    app.stop().await.unwrap();
}
