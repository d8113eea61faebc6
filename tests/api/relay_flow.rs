//! The rest of the relay contract: what can be issued, print results, and verification by a
//! counter clerk.

use crate::fixtures::{CHILD_CARD, UNKNOWN_CARD, YAMADA_CARD};
use crate::helpers::{OPS, RELAY, TestApp, issue_request, spawn_app};
use kofu::grpc::pb::{self, issue_certificate_response::Outcome};
use tonic::Code;

/// Issues an income certificate for 山田.
async fn issue(app: &TestApp, id: &str) -> pb::IssuedCertificate {
    let response = app
        .issue_certificate(pb::IssueCertificateRequest {
            kind: pb::CertificateKind::Income as i32,
            ..issue_request(id, YAMADA_CARD)
        })
        .await
        .unwrap();
    match response.outcome {
        Some(Outcome::Issued(c)) => c,
        other => panic!("not issued: {other:?}"),
    }
}

#[tokio::test]
async fn list_available_offers_what_the_rules_allow() {
    let app = spawn_app().await;
    let offers = app.list_available(YAMADA_CARD).await.unwrap();
    assert!(offers.refusal.is_none(), "{offers:?}");
    let kinds: Vec<pb::CertificateKind> = offers.offers.iter().map(|o| o.kind()).collect();
    assert_eq!(
        kinds,
        vec![
            pb::CertificateKind::Income,
            pb::CertificateKind::Taxation,
            pb::CertificateKind::IncomeAndTaxation,
            pb::CertificateKind::TaxPayment
        ]
    );
    for offer in &offers.offers {
        // The fixtures hold 令和7年度 only: older years are not offered.
        assert_eq!(offer.fiscal_years, vec![2025]);
        assert_eq!(offer.fee_yen, 300);
    }
    for (card, reason) in [
        (CHILD_CARD, pb::RefusalReason::UnderMinimumAge),
        (UNKNOWN_CARD, pb::RefusalReason::UnknownCard),
    ] {
        let response = app.list_available(card).await.unwrap();
        assert!(response.offers.is_empty());
        assert_eq!(response.refusal.unwrap().reason(), reason);
    }
    app.stop().await.unwrap();
}

#[tokio::test]
async fn print_results_settle_certificates_and_clerks_can_verify_them() {
    let app = spawn_app().await;
    let printed = issue(&app, "p1").await;
    let failed = issue(&app, "p2").await;
    assert_eq!(
        app.verify_certificate(&printed.certificate_number, &printed.pdf_sha256)
            .await
            .unwrap()
            .verification(),
        pb::Verification::Valid
    );

    use pb::CertificateState as S;
    use pb::PrintResult as P;
    assert_eq!(
        app.report_print_result(&printed.certificate_number, P::Printed)
            .await
            .unwrap()
            .state(),
        S::Printed
    );
    // The relay may retry a report: the same final state is fine…
    assert_eq!(
        app.report_print_result(&printed.certificate_number, P::Printed)
            .await
            .unwrap()
            .state(),
        S::Printed
    );
    // …a contradicting one is refused, never applied.
    let contradiction = app
        .report_print_result(&printed.certificate_number, P::Failed)
        .await
        .unwrap_err();
    assert_eq!(
        contradiction.code(),
        Code::FailedPrecondition,
        "{contradiction:?}"
    );
    assert!(
        contradiction.message().contains("printed"),
        "{contradiction:?}"
    );

    assert_eq!(
        app.report_print_result(&failed.certificate_number, P::Failed)
            .await
            .unwrap()
            .state(),
        S::Voided
    );
    assert_eq!(
        app.verify_certificate(&failed.certificate_number, &failed.pdf_sha256)
            .await
            .unwrap()
            .verification(),
        pb::Verification::Voided
    );
    assert_eq!(
        app.verify_certificate(&printed.certificate_number, &printed.pdf_sha256)
            .await
            .unwrap()
            .verification(),
        pb::Verification::Valid
    );
    // Other bytes under a real number, or a number never issued: unknown.
    assert_eq!(
        app.verify_certificate(&printed.certificate_number, &failed.pdf_sha256)
            .await
            .unwrap()
            .verification(),
        pb::Verification::Unknown
    );
    assert_eq!(
        app.verify_certificate("R7-9999999", &printed.pdf_sha256)
            .await
            .unwrap()
            .verification(),
        pb::Verification::Unknown
    );

    let unknown = app
        .report_print_result("R7-9999999", P::Printed)
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound, "{unknown:?}");
    let unspecified = app
        .report_print_result(&printed.certificate_number, P::Unspecified)
        .await
        .unwrap_err();
    assert_eq!(unspecified.code(), Code::InvalidArgument);

    // Verification is for clerks (ops), not for the relay.
    let denied = app
        .verify_certificate_as(RELAY, &printed.certificate_number, &printed.pdf_sha256)
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn the_fee_report_charges_printed_certificates_only() {
    let app = spawn_app().await;
    let printed = issue(&app, "f1").await;
    let voided = issue(&app, "f2").await;
    let _unconfirmed = issue(&app, "f3").await;
    app.report_print_result(&printed.certificate_number, pb::PrintResult::Printed)
        .await
        .unwrap();
    app.report_print_result(&voided.certificate_number, pb::PrintResult::Failed)
        .await
        .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_kofu"))
        .args([
            "report",
            "fees",
            "--from",
            "2025-07-01",
            "--to",
            "2025-07-31",
        ])
        .args([
            "--config",
            concat!(env!("CARGO_MANIFEST_DIR"), "/ops/kofu.dev.toml"),
        ])
        .env("KOFU__DATABASE__URL", &app.db.url)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "municipality_code,date,kind,operator_code,certificates,copies,fee_yen\n\
         131041,2025-07-01,income,SEVEN,1,1,300\n"
    );
    app.stop().await.unwrap();
}

#[tokio::test]
async fn verifying_for_a_municipality_this_server_does_not_serve_is_not_found() {
    let app = spawn_app().await;
    let certificate = issue(&app, "v-elsewhere").await;
    // 渋谷区 (131130): a valid code, but not configured here.
    let status = app
        .verify_certificate_request(
            OPS,
            pb::VerifyCertificateRequest {
                municipality_code: "131130".into(),
                certificate_number: certificate.certificate_number,
                pdf_sha256: certificate.pdf_sha256,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    assert!(status.message().contains("131130"), "{}", status.message());
}
