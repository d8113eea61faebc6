//! The municipality's rules as the relay meets them: service hours, and arrears on a 納税証明書.

use crate::fixtures;
use crate::helpers::{TestApp, TestDb, issue_request, load_full, spawn_app_with};
use chrono::NaiveDate;
use kofu::domain::assessment::Payment;
use kofu::domain::sync_record::SyncRecord;
use kofu::grpc::pb::{self, issue_certificate_response::Outcome};

async fn outcome(app: &TestApp, request: pb::IssueCertificateRequest) -> Outcome {
    app.issue_certificate(request)
        .await
        .unwrap()
        .outcome
        .unwrap()
}

async fn app_at(db: TestDb, now: &str) -> TestApp {
    let now = chrono::DateTime::parse_from_rfc3339(now).unwrap();
    spawn_app_with(db, |s| s.clock.fixed_now = Some(now)).await
}

#[tokio::test]
async fn kiosks_are_served_only_in_service_hours() {
    let db = TestDb::migrated();
    load_full(&db, fixtures::records()).await;
    let app = app_at(db, "2025-07-01T22:59:00+09:00").await;
    let first = outcome(
        &app,
        pb::IssueCertificateRequest {
            kind: pb::CertificateKind::Income as i32,
            ..issue_request("late-1", fixtures::YAMADA_CARD)
        },
    )
    .await;
    assert!(matches!(first, Outcome::Issued(_)), "{first:?}");
    // The same database, a second server whose clock says 23:30.
    let late = app_at(
        TestDb::existing(app.db.url.clone()),
        "2025-07-01T23:30:00+09:00",
    )
    .await;
    match outcome(
        &late,
        pb::IssueCertificateRequest {
            kind: pb::CertificateKind::Income as i32,
            ..issue_request("late-2", fixtures::YAMADA_CARD)
        },
    )
    .await
    {
        Outcome::Refusal(r) => {
            assert_eq!(r.reason(), pb::RefusalReason::OutsideServiceHours);
            assert!(r.message.contains("サービス提供時間外"), "{}", r.message);
        }
        other => panic!("issued after closing: {other:?}"),
    }
    // A retry of the certificate issued before closing still gets it.
    let retried = outcome(
        &late,
        pb::IssueCertificateRequest {
            kind: pb::CertificateKind::Income as i32,
            ..issue_request("late-1", fixtures::YAMADA_CARD)
        },
    )
    .await;
    assert!(matches!(retried, Outcome::Issued(_)), "{retried:?}");
    late.stop().await.unwrap();
    app.stop().await.unwrap();

    let db = TestDb::migrated();
    load_full(&db, fixtures::records()).await;
    let new_year = app_at(db, "2026-01-02T12:00:00+09:00").await;
    let closed = outcome(
        &new_year,
        pb::IssueCertificateRequest {
            kind: pb::CertificateKind::Income as i32,
            ..issue_request("ny", fixtures::YAMADA_CARD)
        },
    )
    .await;
    assert!(
        matches!(&closed, Outcome::Refusal(r) if r.reason() == pb::RefusalReason::OutsideServiceHours),
        "{closed:?}"
    );
    new_year.stop().await.unwrap();
}

#[tokio::test]
async fn a_tax_payment_certificate_is_refused_with_arrears_or_unreflected_payments() {
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let mut records = fixtures::records();
    for (year, last_paid_on) in [(2024, date(2025, 2, 1)), (2023, date(2025, 6, 20))] {
        let mut assessment = fixtures::yamada_2025();
        assessment.fiscal_year = year;
        records.push(SyncRecord::Assessment(assessment));
        // 最終納期限 passed with money still owed.
        records.push(SyncRecord::Payment(Payment {
            addressee_no: "0000000001".into(),
            fiscal_year: year,
            tax_item: "inhabitant_tax".into(),
            assessed_yen: 369_600,
            paid_yen: 300_000,
            unpaid_yen: 69_600,
            last_due_date: Some(date(year + 1, 1, 31)),
            last_paid_on: Some(last_paid_on),
            // An older sender's record: only the year's totals.
            instalments: vec![],
        }));
    }
    let db = TestDb::migrated();
    load_full(&db, records).await;
    let app = app_at(db, "2025-07-01T10:00:00+09:00").await;
    for (id, year, expected) in [
        ("tp-2025", 2025, None),
        ("tp-2024", 2024, Some("arrears")),
        ("tp-2023", 2023, Some("payment_not_yet_reflected")),
    ] {
        let got = outcome(
            &app,
            pb::IssueCertificateRequest {
                kind: pb::CertificateKind::TaxPayment as i32,
                fiscal_year: year,
                ..issue_request(id, fixtures::YAMADA_CARD)
            },
        )
        .await;
        match (got, expected) {
            (Outcome::Issued(_), None) => {}
            (Outcome::Refusal(r), Some(reason)) => {
                // Money owed is about the person: the relay is told only to ask at the counter.
                assert_eq!(r.reason(), pb::RefusalReason::AskAtCounter, "{year}");
                assert_eq!(
                    app.audited_outcome("IssueCertificate", id).await,
                    format!("refused:{reason}")
                );
            }
            (other, _) => panic!("{year}: {other:?}"),
        }
    }
    // Arrears concern only the 納税証明書: the year's income certificate is issued.
    let income = outcome(
        &app,
        pb::IssueCertificateRequest {
            kind: pb::CertificateKind::Income as i32,
            fiscal_year: 2024,
            ..issue_request("inc-2024", fixtures::YAMADA_CARD)
        },
    )
    .await;
    assert!(matches!(income, Outcome::Issued(_)), "{income:?}");
    app.stop().await.unwrap();
}

type Change =
    Box<dyn Fn(&mut kofu::domain::resident::Resident, &mut kofu::domain::assessment::Assessment)>;

/// The card of the `i`th rule-checking person.
fn rule_card(i: usize) -> String {
    format!("RULECARD0000{i:04}")
}

/// The `i`th rule-checking person: [`fixtures::person`] with card [`rule_card`]`(i)`.
fn person(
    i: usize,
    change: impl Fn(&mut kofu::domain::resident::Resident, &mut kofu::domain::assessment::Assessment),
) -> Vec<SyncRecord> {
    fixtures::person(i, &rule_card(i), change)
}

#[tokio::test]
async fn the_new_year_opens_by_collection_method_and_the_latest_of_several() {
    use kofu::domain::assessment::CollectionMethod::{
        DirectBilling as D, PayrollWithholding as W, PensionWithholding as P,
    };
    let combinations = [
        vec![W],
        vec![P],
        vec![D],
        vec![W, P],
        vec![W, D],
        vec![P, D],
        vec![W, P, D],
    ];
    let mut records = fixtures::records();
    for (i, methods) in combinations.iter().enumerate() {
        records.extend(person(i, |_, a| a.collection_methods = methods.clone()));
    }
    let db = TestDb::migrated();
    load_full(&db, records).await;
    // 令和7年度 opens on 5月15日 for payroll withholding alone, on 6月1日 for everyone else.
    // A server per day on the same database; each keeps it alive until the end.
    let mut apps = Vec::new();
    for (day, payroll_open, others_open) in [
        ("2025-05-14", false, false),
        ("2025-05-15", true, false),
        ("2025-05-31", true, false),
        ("2025-06-01", true, true),
    ] {
        let app = app_at(
            TestDb::existing(db.url.clone()),
            &format!("{day}T10:00:00+09:00"),
        )
        .await;
        for (i, methods) in combinations.iter().enumerate() {
            let open = if methods == &vec![W] {
                payroll_open
            } else {
                others_open
            };
            let got = outcome(
                &app,
                pb::IssueCertificateRequest {
                    kind: pb::CertificateKind::Income as i32,
                    ..issue_request(&format!("sw-{day}-{i}"), &rule_card(i))
                },
            )
            .await;
            match (&got, open) {
                (Outcome::Issued(_), true) => {}
                (Outcome::Refusal(r), false) => {
                    assert_eq!(
                        r.reason(),
                        pb::RefusalReason::YearNotAvailable,
                        "{day} {methods:?}"
                    )
                }
                _ => panic!("{day} {methods:?}: open {open}, got {got:?}"),
            }
        }
        apps.push(app);
    }
    for app in apps {
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn every_personal_refusal_reads_like_ask_at_the_counter() {
    use kofu::domain::resident::ResidentStatus;
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    // One person per reason, each with a card and 山田's assessment.
    let cases: Vec<(&str, Change, &str)> = vec![
        (
            "moved",
            Box::new(move |r, _| {
                r.status = ResidentStatus::MovedOut {
                    filed_on: date(2025, 6, 20),
                }
            }),
            "moved_out",
        ),
        (
            "dead",
            Box::new(move |r, _| {
                r.status = ResidentStatus::Deceased {
                    on: date(2025, 6, 1),
                }
            }),
            "deceased",
        ),
        (
            "dv",
            Box::new(move |r, _| r.protection_measure = true),
            "support_measure",
        ),
        (
            "stop",
            Box::new(move |r, _| r.issuance_stopped = true),
            "issuance_stopped",
        ),
        (
            "revise",
            Box::new(move |_, a| a.under_revision = true),
            "under_revision",
        ),
        (
            // Today (1 July) is the day this person moved in.
            "arrived",
            Box::new(move |r, _| r.moved_in_on = Some(date(2025, 7, 1))),
            "moved_in_today",
        ),
    ];
    let mut records = fixtures::records();
    for (i, (_, change, _)) in cases.iter().enumerate() {
        records.extend(person(i, change));
    }
    let db = TestDb::migrated();
    load_full(&db, records).await;
    // This municipality does not offer 納税証明書 at kiosks.
    let app = spawn_app_with(db, |s| {
        s.municipalities[0]
            .policy
            .kinds_offered
            .retain(|k| *k != kofu::domain::certificate::CertificateKind::TaxPayment)
    })
    .await;
    let mut messages = std::collections::HashSet::new();
    for (i, (name, _, expected)) in cases.iter().enumerate() {
        let request = pb::IssueCertificateRequest {
            kind: pb::CertificateKind::Income as i32,
            ..issue_request(name, &format!("RULECARD0000{i:04}"))
        };
        match outcome(&app, request).await {
            Outcome::Refusal(refusal) => {
                assert_eq!(refusal.reason(), pb::RefusalReason::AskAtCounter, "{name}");
                messages.insert(refusal.message);
            }
            other => panic!("{name}: {other:?}"),
        }
        // The specific reason stays in the municipality's audit trail, by name.
        assert_eq!(
            app.audited_outcome("IssueCertificate", name).await,
            format!("refused:{expected}")
        );
        // ListAvailable tells the relay as little, and records as much.
        let listed = app
            .list_available(&format!("RULECARD0000{i:04}"))
            .await
            .unwrap();
        assert!(listed.offers.is_empty(), "{name}: {listed:?}");
        let refusal = listed.refusal.unwrap();
        assert_eq!(refusal.reason(), pb::RefusalReason::AskAtCounter, "{name}");
        messages.insert(refusal.message);
        assert_eq!(
            app.audited_outcome("ListAvailable", "list").await,
            format!("refused:{expected}")
        );
    }
    // A support measure, a stop flag, a death: the kiosk says the same thing for all of them.
    assert_eq!(messages.len(), 1, "{messages:?}");
    match outcome(
        &app,
        pb::IssueCertificateRequest {
            kind: pb::CertificateKind::TaxPayment as i32,
            ..issue_request("no-kind", fixtures::YAMADA_CARD)
        },
    )
    .await
    {
        Outcome::Refusal(r) => assert_eq!(r.reason(), pb::RefusalReason::KindNotOffered),
        other => panic!("{other:?}"),
    }
    app.stop().await.unwrap();
}

#[tokio::test]
async fn arrears_are_judged_per_instalment_with_the_reflection_lag_at_its_edges() {
    use kofu::domain::assessment::Instalment;
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    // Four instalments of 令和7年度; the 2nd (due 9月1日, the first business day after 8月31日)
    // is unpaid, the 3rd and 4th are not due before November.
    let dues = [
        date(2025, 6, 30),
        date(2025, 9, 1),
        date(2025, 10, 31),
        date(2026, 2, 2),
    ];
    let instalments: Vec<Instalment> = (0..4)
        .map(|i| Instalment {
            number: i as u8 + 1,
            due_date: dues[i],
            amount_yen: 92_400,
            paid_yen: if i == 0 { 92_400 } else { 0 },
            paid_on: (i == 0).then(|| date(2025, 6, 27)),
        })
        .collect();
    let mut records = fixtures::records();
    records.extend(person(0, |_, _| {}));
    records.push(SyncRecord::Payment(Payment {
        addressee_no: "0000000200".into(),
        fiscal_year: 2025,
        tax_item: "inhabitant_tax".into(),
        assessed_yen: 369_600,
        paid_yen: 92_400,
        unpaid_yen: 277_200,
        last_due_date: Some(dues[3]),
        last_paid_on: Some(date(2025, 6, 27)),
        instalments,
    }));
    let db = TestDb::migrated();
    load_full(&db, records).await;
    // The default lag is 21 days.
    let mut apps = Vec::new();
    for (day, expected) in [
        ("2025-09-01", None),
        ("2025-09-02", Some("payment_not_yet_reflected")),
        ("2025-09-22", Some("payment_not_yet_reflected")),
        ("2025-09-23", Some("arrears")),
    ] {
        let app = app_at(
            TestDb::existing(db.url.clone()),
            &format!("{day}T10:00:00+09:00"),
        )
        .await;
        let id = format!("inst-{day}");
        let got = outcome(
            &app,
            pb::IssueCertificateRequest {
                kind: pb::CertificateKind::TaxPayment as i32,
                ..issue_request(&id, &rule_card(0))
            },
        )
        .await;
        match (&got, expected) {
            (Outcome::Issued(_), None) => {}
            (Outcome::Refusal(r), Some(reason)) => {
                assert_eq!(r.reason(), pb::RefusalReason::AskAtCounter, "{day}");
                assert_eq!(
                    app.audited_outcome("IssueCertificate", &id).await,
                    format!("refused:{reason}"),
                    "{day}"
                );
            }
            _ => panic!("{day}: expected {expected:?}, got {got:?}"),
        }
        apps.push(app);
    }
    for app in apps {
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn an_undeclared_dependant_gets_a_nontax_certificate_only_where_the_policy_allows() {
    // 佐藤 一郎 has no declaration of his own and is named as a dependant on another return.
    let mut records = fixtures::records();
    for record in &mut records {
        if let SyncRecord::Assessment(a) = record {
            if a.addressee_no == "0000000003" {
                a.declared_as_dependant = true;
            }
        }
    }
    let db = TestDb::migrated();
    load_full(&db, records).await;
    let taxation = |id: &str| pb::IssueCertificateRequest {
        kind: pb::CertificateKind::Taxation as i32,
        ..issue_request(id, fixtures::UNDECLARED_CARD)
    };
    // The default: ask at the counter, the audit keeps why.
    let default = app_at(db, "2025-07-01T10:00:00+09:00").await;
    match outcome(&default, taxation("dep-off")).await {
        Outcome::Refusal(r) => assert_eq!(r.reason(), pb::RefusalReason::AskAtCounter),
        other => panic!("issued with the policy off: {other:?}"),
    }
    assert_eq!(
        default.audited_outcome("IssueCertificate", "dep-off").await,
        "refused:no_declaration"
    );

    let now = chrono::DateTime::parse_from_rfc3339("2025-07-01T10:00:00+09:00").unwrap();
    let allowed = spawn_app_with(TestDb::existing(default.db.url.clone()), |s| {
        s.clock.fixed_now = Some(now);
        s.municipalities[0].policy.allow_dependant_nontax = true;
    })
    .await;
    let Outcome::Issued(certificate) = outcome(&allowed, taxation("dep-on")).await else {
        panic!("no 非課税証明書 with the policy on");
    };
    let text = crate::helpers::pdf_tool("pdftotext", &[], &certificate.pdf);
    assert!(text.contains("非課税証明書"), "{text}");
    assert!(text.contains("申告なし（他の方の扶養親族）"), "{text}");
    for income_figure in ["合計所得金額", "総所得金額等", "所得控除合計"] {
        assert!(!text.contains(income_figure), "{income_figure} on\n{text}");
    }
    // Only that kind: an income certificate would certify figures nobody declared.
    match outcome(
        &allowed,
        pb::IssueCertificateRequest {
            kind: pb::CertificateKind::Income as i32,
            ..issue_request("dep-income", fixtures::UNDECLARED_CARD)
        },
    )
    .await
    {
        Outcome::Refusal(r) => assert_eq!(r.reason(), pb::RefusalReason::AskAtCounter),
        other => panic!("an income certificate without a declaration: {other:?}"),
    }
    let offers = allowed
        .list_available(fixtures::UNDECLARED_CARD)
        .await
        .unwrap()
        .offers;
    let kinds: Vec<pb::CertificateKind> = offers.iter().map(|o| o.kind()).collect();
    assert_eq!(kinds, vec![pb::CertificateKind::Taxation]);
    allowed.stop().await.unwrap();
    default.stop().await.unwrap();
}
