//! IssueCertificate as the J-LIS relay uses it.

use crate::fixtures::{CHILD_CARD, UNDECLARED_CARD, UNKNOWN_CARD, UNTAXED_CARD, YAMADA_CARD};
use crate::helpers::{TestApp, issue_request, pdf_tool, spawn_app};
use kofu::grpc::pb::{self, issue_certificate_response::Outcome};
use sha2::{Digest, Sha256};
use tonic::Code;

fn issued(response: pb::IssueCertificateResponse) -> pb::IssuedCertificate {
    match response.outcome {
        Some(Outcome::Issued(c)) => c,
        other => panic!("expected a certificate, got {other:?}"),
    }
}

fn refusal(response: pb::IssueCertificateResponse) -> pb::Refusal {
    match response.outcome {
        Some(Outcome::Refusal(r)) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn issues_an_income_and_taxation_certificate_as_a_pdf() {
    let app = spawn_app().await;

    let certificate = issued(
        app.issue_certificate(issue_request("req-1", YAMADA_CARD))
            .await
            .unwrap(),
    );

    assert_eq!(certificate.certificate_number, "R7-0000001");
    assert_eq!(certificate.fee_yen, 300);
    assert_eq!(certificate.copies, 1);
    assert_eq!(
        certificate.pdf_sha256,
        hex::encode(Sha256::digest(&certificate.pdf))
    );
    let text = pdf_tool("pdftotext", &[], &certificate.pdf);
    for expected in [
        "山田　花子",
        "ヤマダ　ハナコ",
        "東京都新宿区西新宿二丁目8番1号　新宿パークハイツ1203号",
        "令和7年度",
        "特別区民税",
        "都民税",
        "所得・課税証明書",
        "令和6年中",
        "昭和60年4月15日",
        "6,850,000",
        "5,065,000",
        "5,185,000",
        "3,672,000",
        "218,800",
        "145,800",
        "369,600",
        "令和7年7月1日",
        "R7-0000001",
        "上記のとおり証明します。",
        "新宿区長",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    let info = pdf_tool("pdfinfo", &[], &certificate.pdf);
    assert!(info.contains("Pages:           1"), "{info}");
    assert!(
        info.contains("Page size:       595.276 x 841.89 pts (A4)"),
        "{info}"
    );
    let fonts = pdf_tool("pdffonts", &[], &certificate.pdf);
    let font_rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!font_rows.is_empty(), "no fonts:\n{fonts}");
    for row in font_rows {
        assert!(
            row.contains("yes yes yes"),
            "font not embedded as a subset with ToUnicode: {row}"
        );
        assert!(row.contains('+'), "font name has no subset tag: {row}");
    }
    pdf_tool("qpdf", &["--check"], &certificate.pdf);
    // Nothing personal in the document information.
    for personal in ["山田", "ヤマダ", "西新宿"] {
        assert!(
            !info.contains(personal),
            "{personal} in PDF metadata:\n{info}"
        );
    }

    // The record keeps the PDF's SHA-256, and no table can hold a PDF.
    let db = app.db.client().await;
    let row = db
        .query_one(
            "SELECT pdf_sha256, fee_yen, state FROM issuance WHERE certificate_number = $1",
            &[&certificate.certificate_number],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), certificate.pdf_sha256);
    assert_eq!(row.get::<_, i32>(1), 300);
    assert_eq!(row.get::<_, String>(2), "issued");
    let binary_columns: i64 = db
        .query_one(
            "SELECT count(*) FROM information_schema.columns
             WHERE table_schema = 'public' AND data_type = 'bytea'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(binary_columns, 0);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn a_retried_request_returns_the_same_certificate() {
    let app = spawn_app().await;

    let first = issued(
        app.issue_certificate(issue_request("req-retry", YAMADA_CARD))
            .await
            .unwrap(),
    );
    let second = issued(
        app.issue_certificate(issue_request("req-retry", YAMADA_CARD))
            .await
            .unwrap(),
    );
    assert_eq!(first.certificate_number, second.certificate_number);
    assert_eq!(first.pdf_sha256, second.pdf_sha256);
    assert_eq!(first.pdf, second.pdf);

    let changed = pb::IssueCertificateRequest {
        copies: 2,
        ..issue_request("req-retry", YAMADA_CARD)
    };
    let status = app.issue_certificate(changed).await.unwrap_err();
    assert_eq!(status.code(), Code::AlreadyExists, "{status:?}");
    assert!(status.message().contains("request_id"), "{status:?}");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn concurrent_requests_get_distinct_certificate_numbers() {
    let app = spawn_app().await;
    let calls = (0..16).map(|i| {
        let app = &app;
        async move {
            issued(
                app.issue_certificate(issue_request(&format!("req-c{i}"), YAMADA_CARD))
                    .await
                    .unwrap(),
            )
            .certificate_number
        }
    });
    let mut numbers = futures_util::future::join_all(calls).await;
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 16);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn refuses_what_cannot_be_issued_at_a_kiosk() {
    let app = spawn_app().await;
    let tax_payment = pb::IssueCertificateRequest {
        kind: pb::CertificateKind::TaxPayment as i32,
        ..issue_request("req-r4", UNTAXED_CARD)
    };
    let old_year = pb::IssueCertificateRequest {
        fiscal_year: 2021,
        ..issue_request("req-r5", YAMADA_CARD)
    };
    let missing_year = pb::IssueCertificateRequest {
        fiscal_year: 2024,
        ..issue_request("req-r6", YAMADA_CARD)
    };
    // Reasons about the person reach the relay as ASK_AT_COUNTER; the audit keeps the reason.
    let ask = pb::RefusalReason::AskAtCounter;
    for (request, outward, audited) in [
        (
            issue_request("req-r1", UNKNOWN_CARD),
            pb::RefusalReason::UnknownCard,
            "unknown_card",
        ),
        (
            issue_request("req-r2", CHILD_CARD),
            pb::RefusalReason::UnderMinimumAge,
            "under_minimum_age",
        ),
        (
            issue_request("req-r3", UNDECLARED_CARD),
            ask,
            "no_declaration",
        ),
        (tax_payment, ask, "not_taxed_year"),
        (
            old_year,
            pb::RefusalReason::YearNotAvailable,
            "year_not_available",
        ),
        (missing_year, ask, "not_resident_on_assessment_date"),
    ] {
        let id = request.request_id.clone();
        let refusal = refusal(app.issue_certificate(request).await.unwrap());
        assert_eq!(refusal.reason(), outward, "{id}");
        assert!(!refusal.message.is_empty());
        assert!(!refusal.message.contains("山田"));
        assert_eq!(
            app.audited_outcome("IssueCertificate", &id).await,
            format!("refused:{audited}")
        );
    }
    app.stop().await.unwrap();
}

type Change = Box<dyn Fn(&mut pb::IssueCertificateRequest)>;

#[tokio::test]
async fn malformed_requests_are_invalid_arguments_naming_the_field() {
    let app = spawn_app().await;
    let cases: Vec<(Change, &str)> = vec![
        (
            Box::new(|r| r.municipality_code = "131042".into()),
            "check digit",
        ),
        (
            Box::new(|r| r.municipality_code = "13104".into()),
            "6 digits",
        ),
        (Box::new(|r| r.kind = 0), "kind"),
        (Box::new(|r| r.kind = 99), "kind"),
        (Box::new(|r| r.copies = 0), "copies"),
        (Box::new(|r| r.copies = 11), "copies must be from 1 to 10"),
        (Box::new(|r| r.fiscal_year = 25), "fiscal_year"),
        (Box::new(|r| r.applicant = None), "card_serial"),
        (Box::new(|r| r.request_id = String::new()), "request_id"),
        (Box::new(|r| r.kiosk = None), "operator_code"),
    ];
    for (i, (change, expected)) in cases.into_iter().enumerate() {
        let mut request = issue_request(&format!("req-bad-{i}"), YAMADA_CARD);
        change(&mut request);
        let status = app.issue_certificate(request).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "case {i}: {status:?}");
        assert!(
            status.message().contains(expected),
            "case {i}: {:?} lacks {expected:?}",
            status.message()
        );
    }
    let elsewhere = pb::IssueCertificateRequest {
        municipality_code: "131130".into(), // 渋谷区: valid, but not served here
        ..issue_request("req-elsewhere", YAMADA_CARD)
    };
    let status = app.issue_certificate(elsewhere).await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    assert!(status.message().contains("131130"));
    app.stop().await.unwrap();
}

/// Issues `kind` for `card` and returns the certificate's text.
async fn issue_text(app: &TestApp, id: &str, card: &str, kind: pb::CertificateKind) -> String {
    let request = pb::IssueCertificateRequest {
        kind: kind as i32,
        ..issue_request(id, card)
    };
    let certificate = issued(app.issue_certificate(request).await.unwrap());
    pdf_tool("qpdf", &["--check"], &certificate.pdf);
    pdf_tool("pdftotext", &[], &certificate.pdf)
}

#[tokio::test]
async fn every_kind_prints_what_it_certifies() {
    let app = spawn_app().await;
    use pb::CertificateKind as K;
    let cases: [(&str, K, &[&str], &[&str]); 6] = [
        (
            "k1",
            K::Income,
            &[
                "令和7年度　所得証明書",
                "令和6年中",
                "給与所得",
                "6,850,000",
                "5,185,000",
                "基礎控除",
            ],
            &["年税額"],
        ),
        (
            "k2",
            K::Taxation,
            &[
                "特別区民税・都民税　課税証明書",
                "課税標準額",
                "3,672,000",
                "218,800",
                "森林環境税",
                "369,600",
                // 課税証明書 carries the income part too, as Shinjuku's does.
                "給与所得",
                "基礎控除",
            ],
            &["納税の状況"],
        ),
        (
            "k3",
            K::IncomeAndTaxation,
            &["所得・課税証明書", "6,850,000", "369,600", "扶養（一般）"],
            &[],
        ),
        (
            "k4",
            K::TaxPayment,
            &[
                "納税証明書",
                "特別区民税・都民税（令和7年度）",
                "369,600",
                "123,200",
                "246,400",
                "令和8年5月11日",
            ],
            &["給与所得"],
        ),
        (
            "k5",
            K::Taxation,
            &["非課税証明書", "非課税", "100,000"],
            &["都民税　課税証明書", "369,600"],
        ),
        (
            "k6",
            K::IncomeAndTaxation,
            &["所得・非課税証明書", "雑所得（公的年金等）", "1,200,000"],
            &["所得・課税証明書"],
        ),
    ];
    for (id, kind, present, absent) in cases {
        let card = if id >= "k5" {
            UNTAXED_CARD
        } else {
            YAMADA_CARD
        };
        let text = issue_text(&app, id, card, kind).await;
        for p in present {
            assert!(text.contains(p), "{kind:?}: {p:?} missing from\n{text}");
        }
        for a in absent {
            assert!(
                !text.contains(a),
                "{kind:?}: {a:?} should not print in\n{text}"
            );
        }
        for common in [
            "上記のとおり証明します。",
            "令和7年7月1日",
            "新宿区長　新宿　太郎",
            "昭和60年4月15日",
        ] {
            if card == YAMADA_CARD || common != "昭和60年4月15日" {
                assert!(text.contains(common), "{kind:?}: {common:?} missing");
            }
        }
    }
    app.stop().await.unwrap();
}
