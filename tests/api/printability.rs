//! What cannot print: a name too long for its cell or a page whose tables overflow is refused
//! before a certificate number is spent and never offered; the sync accepts such data, the scan
//! after the batch finds it, the gauge counts it, and `kofu report unprintable` lists it (audited).

use crate::fixtures;
use crate::helpers::{
    NOW, SHINJUKU, TestApp, TestDb, full_batch, issue_request, pdf_tool, spawn_app_on,
};
use kofu::domain::sync_record::SyncRecord;
use kofu::grpc::pb::{self, issue_certificate_response::Outcome};

const LONG_NAME_CARD: &str = "PRINTCARD0000001";
const LONGEST_NAME_CARD: &str = "PRINTCARD0000002";
const OLD_ADDRESS_CARD: &str = "PRINTCARD0000003";
const MANY_TAXES_CARD: &str = "PRINTCARD0000004";

/// The person block holds 60 full-width characters: the longest name that prints, and one more.
fn longest_name() -> String {
    "長".repeat(60)
}

fn too_long_name() -> String {
    "長".repeat(61)
}

/// The fixture people and the hard cases, grouped by record type as a batch carries them.
fn records() -> Vec<SyncRecord> {
    let mut people = fixtures::records();
    people.extend(fixtures::person(1, LONG_NAME_CARD, |r, _| {
        r.name = too_long_name();
        r.name_kana = "ナ".repeat(61);
    }));
    people.extend(fixtures::person(2, LONGEST_NAME_CARD, |r, _| {
        r.name = longest_name()
    }));
    people.extend(fixtures::person(3, OLD_ADDRESS_CARD, |_, a| {
        a.address_on_assessment_date = Some("東京都新宿区\u{E000}町一丁目".into());
    }));
    people.extend(fixtures::person(4, MANY_TAXES_CARD, |_, _| {}));
    // Thirty tax items paid: the 納税証明書's table runs past the end of the page.
    people.extend((0..30).map(|i| {
        let mut payment = fixtures::yamada_payment_2025();
        payment.addressee_no = "0000000204".into();
        payment.tax_item = format!("tax_item_{i:02}");
        SyncRecord::Payment(payment)
    }));
    people.sort_by_key(SyncRecord::record_type);
    people
}

/// A server on a fresh database, with `records()` pushed over mTLS as the nightly sync would.
async fn app_after_sync() -> TestApp {
    let app = spawn_app_on(TestDb::migrated()).await;
    let report = app
        .upload(full_batch("print-full-1", &records()))
        .await
        .unwrap();
    assert_eq!(report.state(), pb::BatchState::Applied, "{report:?}");
    app
}

async fn issue(app: &TestApp, id: &str, card: &str, kind: pb::CertificateKind) -> Outcome {
    app.issue_certificate(pb::IssueCertificateRequest {
        kind: kind as i32,
        ..issue_request(id, card)
    })
    .await
    .unwrap()
    .outcome
    .unwrap()
}

fn number(outcome: Outcome) -> String {
    match outcome {
        Outcome::Issued(c) => c.certificate_number,
        Outcome::Refusal(r) => panic!("refused: {r:?}"),
    }
}

fn offered_kinds(listed: &pb::ListAvailableResponse) -> Vec<pb::CertificateKind> {
    listed.offers.iter().map(pb::Offer::kind).collect()
}

#[tokio::test]
async fn what_does_not_fit_is_refused_before_a_number_is_spent_and_never_offered() {
    use pb::CertificateKind::{IncomeAndTaxation, TaxPayment};
    let app = app_after_sync().await;
    assert_eq!(
        number(issue(&app, "first", fixtures::YAMADA_CARD, IncomeAndTaxation).await),
        "R7-0000001"
    );

    // A name one character too long for its cell, and a page whose table overflows it.
    for (id, card, kind) in [
        ("long-name", LONG_NAME_CARD, IncomeAndTaxation),
        ("many-taxes", MANY_TAXES_CARD, TaxPayment),
    ] {
        let Outcome::Refusal(refusal) = issue(&app, id, card, kind).await else {
            panic!("{id}: issued a certificate that cannot print in full");
        };
        assert_eq!(refusal.reason(), pb::RefusalReason::AskAtCounter, "{id}");
        assert_eq!(
            refusal.message,
            kofu::domain::refusal::RefusalReason::DoesNotFit.kiosk_message()
        );
        assert_eq!(
            app.audited_outcome("IssueCertificate", id).await,
            "refused:does_not_fit"
        );
    }
    // No number was spent on them: the next certificate follows directly.
    assert_eq!(
        number(issue(&app, "second", fixtures::YAMADA_CARD, IncomeAndTaxation).await),
        "R7-0000002"
    );
    // The longest name that fits prints in full, on one line.
    let Outcome::Issued(c) = issue(&app, "longest", LONGEST_NAME_CARD, IncomeAndTaxation).await
    else {
        panic!("the longest name that fits was refused");
    };
    assert_eq!(c.certificate_number, "R7-0000003");
    let text = pdf_tool("pdftotext", &[], &c.pdf);
    assert!(text.contains(&longest_name()), "{text}");
    // The person with many taxes gets every other kind.
    assert_eq!(
        number(issue(&app, "other-kind", MANY_TAXES_CARD, IncomeAndTaxation).await),
        "R7-0000004"
    );

    // ListAvailable offers exactly what would issue.
    let listed = app.list_available(LONG_NAME_CARD).await.unwrap();
    assert!(listed.offers.is_empty(), "{listed:?}");
    assert_eq!(
        listed.refusal.unwrap().reason(),
        pb::RefusalReason::AskAtCounter
    );
    assert_eq!(
        app.audited_outcome("ListAvailable", "list").await,
        "refused:does_not_fit"
    );
    let listed = app.list_available(MANY_TAXES_CARD).await.unwrap();
    let kinds = offered_kinds(&listed);
    assert!(!kinds.contains(&TaxPayment), "{listed:?}");
    assert!(kinds.contains(&IncomeAndTaxation), "{listed:?}");
    let listed = app.list_available(LONGEST_NAME_CARD).await.unwrap();
    assert!(
        offered_kinds(&listed).contains(&IncomeAndTaxation),
        "{listed:?}"
    );
    app.stop().await.unwrap();
}

fn kofu_report(db: &TestDb) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_kofu"))
        .args([
            "report",
            "unprintable",
            "--config",
            concat!(env!("CARGO_MANIFEST_DIR"), "/ops/kofu.dev.toml"),
            "--municipality",
            SHINJUKU,
        ])
        .env("KOFU__DATABASE__URL", &db.url)
        .env("KOFU__CLOCK__FIXED_NOW", NOW)
        .env("USER", "clerk-tanaka")
        .output()
        .unwrap()
}

#[tokio::test]
async fn the_sync_accepts_what_cannot_print_and_the_report_lists_it() {
    use pb::CertificateKind::{IncomeAndTaxation, TaxPayment};
    let app = app_after_sync().await;
    // Two residents cannot print: 0000000201 (name and reading too long) and 0000000203 (a
    // character no font has in 令和7年度's address on the assessment date).
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("kofu_unprintable_residents{municipality=\"131041\"} 2"),
        "{metrics}"
    );
    issue(&app, "long-name", LONG_NAME_CARD, IncomeAndTaxation).await;
    issue(&app, "many-taxes", MANY_TAXES_CARD, TaxPayment).await;
    app.list_available(MANY_TAXES_CARD).await.unwrap();

    let output = kofu_report(&app.db);
    assert!(output.status.success(), "{output:?}");
    let report = String::from_utf8(output.stdout).unwrap();
    let line = |needles: &[&str]| {
        assert!(
            report
                .lines()
                .any(|l| needles.iter().all(|n| l.contains(n))),
            "no line with {needles:?} in:\n{report}"
        );
    };
    line(&["新宿区 (131041): 2 residents cannot print in full"]);
    line(&["batch print-full-1", "8 residents", "checked"]);
    line(&["0000000201", "name ", "does_not_fit"]);
    line(&["0000000201", "name_kana", "does_not_fit"]);
    line(&[
        "0000000203",
        "address_on_assessment_date",
        "2025",
        "unprintable_character",
        "U+E000",
    ]);
    line(&["3 kiosk requests turned away on 2025-07-01"]);
    line(&[
        "10:00:00",
        "0000000201",
        "IssueCertificate",
        "income-and-taxation",
        "2025",
        "name ",
        "does_not_fit",
        "long-name",
    ]);
    line(&[
        "0000000204",
        "IssueCertificate",
        "tax-payment",
        "page",
        "does_not_fit",
        "many-taxes",
    ]);
    line(&["0000000204", "ListAvailable", "tax-payment", "page"]);
    // Who prints: 宛名番号 and codes, never the name or the address.
    assert!(!report.contains("0000000202"), "{report}");
    assert!(
        !report.contains('長') && !report.contains('\u{E000}'),
        "{report}"
    );

    // Running the report is on the record, with who ran it.
    let row = app
        .db
        .client()
        .await
        .query_one(
            "SELECT lg_code::text, request, outcome FROM audit_entry
             WHERE action = 'ReportUnprintable'",
            &[],
        )
        .await
        .unwrap();
    let (lg_code, request, outcome): (String, serde_json::Value, String) =
        (row.get(0), row.get(1), row.get(2));
    assert_eq!(lg_code, SHINJUKU);
    assert_eq!(request["operator"], "clerk-tanaka");
    assert_eq!(outcome, "listed:2 refusals:3");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn a_failed_scan_leaves_the_batch_applied_and_is_counted() {
    let app = spawn_app_on(TestDb::migrated()).await;
    app.db
        .client()
        .await
        .batch_execute("DROP TABLE unprintable_resident")
        .await
        .unwrap();
    let report = app
        .upload(full_batch("print-full-2", &records()))
        .await
        .unwrap();
    assert_eq!(report.state(), pb::BatchState::Applied, "{report:?}");
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("kofu_unprintable_scan_failures_total{municipality=\"131041\"} 1"),
        "{metrics}"
    );
    assert_eq!(
        number(
            issue(
                &app,
                "after-failed-scan",
                fixtures::YAMADA_CARD,
                pb::CertificateKind::IncomeAndTaxation
            )
            .await
        ),
        "R7-0000001"
    );
    app.stop().await.unwrap();
}
