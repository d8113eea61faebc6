//! The rest of the relay contract: what can be issued, print results, and verification by a
//! counter clerk.

use crate::fixtures::{CHILD_CARD, UNKNOWN_CARD, YAMADA_CARD};
use crate::helpers::{SHINJUKU, TestApp, spawn_app};
use kofu::grpc::pb::certificate_verification_service_client::CertificateVerificationServiceClient;
use kofu::grpc::pb::{self, issue_certificate_response::Outcome};
use tonic::Code;

async fn list(app: &TestApp, card: &str) -> pb::ListAvailableResponse {
    app.relay()
        .await
        .list_available(pb::ListAvailableRequest {
            request_id: "list".into(),
            municipality_code: SHINJUKU.into(),
            applicant: Some(pb::Applicant {
                card_serial: card.into(),
            }),
        })
        .await
        .unwrap()
        .into_inner()
}

async fn issue(app: &TestApp, id: &str) -> pb::IssuedCertificate {
    let response = app
        .relay()
        .await
        .issue_certificate(pb::IssueCertificateRequest {
            request_id: id.into(),
            municipality_code: SHINJUKU.into(),
            applicant: Some(pb::Applicant {
                card_serial: YAMADA_CARD.into(),
            }),
            kind: pb::CertificateKind::Income as i32,
            fiscal_year: 2025,
            copies: 1,
            kiosk: Some(pb::Kiosk {
                operator_code: "SEVEN".into(),
                terminal_id: "T-1".into(),
            }),
        })
        .await
        .unwrap()
        .into_inner();
    match response.outcome {
        Some(Outcome::Issued(c)) => c,
        other => panic!("not issued: {other:?}"),
    }
}

async fn report(
    app: &TestApp,
    number: &str,
    result: pb::PrintResult,
) -> Result<pb::CertificateState, tonic::Status> {
    app.relay()
        .await
        .report_print_result(pb::ReportPrintResultRequest {
            request_id: format!("print-{number}"),
            municipality_code: SHINJUKU.into(),
            certificate_number: number.into(),
            result: result as i32,
        })
        .await
        .map(|r| r.into_inner().state())
}

async fn verify(app: &TestApp, number: &str, sha: &str) -> pb::Verification {
    CertificateVerificationServiceClient::new(app.channel_as("kofu-ops").await.unwrap())
        .verify_certificate(pb::VerifyCertificateRequest {
            municipality_code: SHINJUKU.into(),
            certificate_number: number.into(),
            pdf_sha256: sha.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .verification()
}

#[tokio::test]
async fn list_available_offers_what_the_rules_allow() {
    let app = spawn_app().await;
    let offers = list(&app, YAMADA_CARD).await;
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
        let response = list(&app, card).await;
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
        verify(&app, &printed.certificate_number, &printed.pdf_sha256).await,
        pb::Verification::Valid
    );

    use pb::CertificateState as S;
    use pb::PrintResult as P;
    assert_eq!(
        report(&app, &printed.certificate_number, P::Printed)
            .await
            .unwrap(),
        S::Printed
    );
    // The relay may retry a report: the same final state is fine…
    assert_eq!(
        report(&app, &printed.certificate_number, P::Printed)
            .await
            .unwrap(),
        S::Printed
    );
    // …a contradicting one is refused, never applied.
    let contradiction = report(&app, &printed.certificate_number, P::Failed)
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
        report(&app, &failed.certificate_number, P::Failed)
            .await
            .unwrap(),
        S::Voided
    );
    assert_eq!(
        verify(&app, &failed.certificate_number, &failed.pdf_sha256).await,
        pb::Verification::Voided
    );
    assert_eq!(
        verify(&app, &printed.certificate_number, &printed.pdf_sha256).await,
        pb::Verification::Valid
    );
    // Other bytes under a real number, or a number never issued: unknown.
    assert_eq!(
        verify(&app, &printed.certificate_number, &failed.pdf_sha256).await,
        pb::Verification::Unknown
    );
    assert_eq!(
        verify(&app, "R7-9999999", &printed.pdf_sha256).await,
        pb::Verification::Unknown
    );

    let unknown = report(&app, "R7-9999999", P::Printed).await.unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound, "{unknown:?}");
    let unspecified = report(&app, &printed.certificate_number, P::Unspecified)
        .await
        .unwrap_err();
    assert_eq!(unspecified.code(), Code::InvalidArgument);

    // Verification is for clerks (ops), not for the relay.
    let denied =
        CertificateVerificationServiceClient::new(app.channel_as("jlis-relay").await.unwrap())
            .verify_certificate(pb::VerifyCertificateRequest {
                municipality_code: SHINJUKU.into(),
                certificate_number: printed.certificate_number.clone(),
                pdf_sha256: printed.pdf_sha256.clone(),
            })
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
    report(&app, &printed.certificate_number, pb::PrintResult::Printed)
        .await
        .unwrap();
    report(&app, &voided.certificate_number, pb::PrintResult::Failed)
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
