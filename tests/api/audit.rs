//! The audit trail as an auditor uses it: every call recorded, `kofu audit verify` catches edits
//! and deletions, and purging old entries leaves a chain that still verifies.

use crate::fixtures::{UNKNOWN_CARD, YAMADA_CARD};
use crate::helpers::{SYNC, TestApp, issue_request, spawn_app};
use kofu::grpc::pb;

fn kofu(app: &TestApp, args: &[&str], now: Option<&str>) -> (bool, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_kofu"));
    command
        .args(args)
        .args([
            "--config",
            concat!(env!("CARGO_MANIFEST_DIR"), "/ops/kofu.dev.toml"),
        ])
        .env("KOFU__DATABASE__URL", &app.db.url);
    if let Some(now) = now {
        command.env("KOFU__CLOCK__FIXED_NOW", now);
    }
    let output = command.output().unwrap();
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

/// Issues one certificate, one refusal and one invalid request, and reports the print.
async fn some_calls(app: &TestApp) {
    let income = pb::CertificateKind::Income as i32;
    let issued = app
        .issue_certificate(pb::IssueCertificateRequest {
            kind: income,
            ..issue_request("a1", YAMADA_CARD)
        })
        .await
        .unwrap();
    let Some(pb::issue_certificate_response::Outcome::Issued(c)) = issued.outcome else {
        panic!("not issued");
    };
    app.issue_certificate(pb::IssueCertificateRequest {
        kind: income,
        ..issue_request("a2", UNKNOWN_CARD)
    })
    .await
    .unwrap();
    app.issue_certificate(pb::IssueCertificateRequest {
        kind: income,
        municipality_code: "131042".into(),
        ..issue_request("a3", YAMADA_CARD)
    })
    .await
    .unwrap_err();
    app.report_print_result(&c.certificate_number, pb::PrintResult::Printed)
        .await
        .unwrap();
}

#[tokio::test]
async fn every_call_is_recorded_and_the_chain_verifies() {
    let app = spawn_app().await;
    some_calls(&app).await;
    let db = app.db.client().await;
    let rows = db
        .query(
            "SELECT chain, action, outcome, client_identity, request::text, certificate_number
             FROM audit_entry ORDER BY chain, seq",
            &[],
        )
        .await
        .unwrap();
    let got: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    // The municipality's calls in its chain; the call naming a municipality not served here in
    // the chain of calls that name none.
    let expected = [
        ("", "IssueCertificate", "error:InvalidArgument"),
        ("131041", "IssueCertificate", "issued"),
        ("131041", "IssueCertificate", "refused:unknown_card"),
        ("131041", "ReportPrintResult", "state:2"),
    ];
    assert_eq!(
        got,
        expected
            .iter()
            .map(|(c, a, o)| (c.to_string(), a.to_string(), o.to_string()))
            .collect::<Vec<_>>()
    );
    for row in &rows {
        assert_eq!(row.get::<_, String>(3), "jlis-relay");
        let request: String = row.get(4);
        assert!(
            !request.contains(YAMADA_CARD) && !request.contains(UNKNOWN_CARD),
            "{request}"
        );
    }
    assert!(rows[1].get::<_, Option<String>>(5).is_some());
    let (ok, out) = kofu(&app, &["audit", "verify"], None);
    assert!(
        ok && out.contains("chain 131041: intact, 3 entries")
            && out.contains("chain (no municipality): intact, 1 entries")
            && out.contains("intact: 4 entries verified in 2 chains"),
        "{out}"
    );
    let (ok, out) = kofu(&app, &["audit", "verify", "--municipality", "131041"], None);
    assert!(
        ok && out.contains("intact: 3 entries verified in 1 chains"),
        "{out}"
    );
    let (ok, out) = kofu(&app, &["audit", "verify", "--municipality", "131042"], None);
    assert!(!ok && out.contains("--municipality 131042"), "{out}");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn edits_and_deletions_are_detected_in_the_chain_they_break() {
    let app = spawn_app().await;
    some_calls(&app).await;
    let db = app.db.client().await;
    let shinjuku = |sql: &str| format!("{sql} AND chain = '131041'");

    db.execute(
        &shinjuku("UPDATE audit_entry SET outcome = 'issued' WHERE seq = 2"),
        &[],
    )
    .await
    .unwrap();
    let (ok, out) = kofu(&app, &["audit", "verify"], None);
    assert!(
        !ok && out.contains("chain 131041: BROKEN at entry 2")
            && out.contains("changed")
            && out.contains("chain (no municipality): intact, 1 entries"),
        "{out}"
    );
    let (ok, out) = kofu(&app, &["audit", "verify", "--municipality", "131041"], None);
    assert!(!ok && out.contains("BROKEN at entry 2"), "{out}");
    db.execute(
        &shinjuku("UPDATE audit_entry SET outcome = 'refused:unknown_card' WHERE seq = 2"),
        &[],
    )
    .await
    .unwrap();
    assert!(kofu(&app, &["audit", "verify"], None).0);

    db.execute(&shinjuku("DELETE FROM audit_entry WHERE seq = 2"), &[])
        .await
        .unwrap();
    let (ok, out) = kofu(&app, &["audit", "verify"], None);
    assert!(
        !ok && out.contains("BROKEN at entry 3") && out.contains("missing"),
        "{out}"
    );

    db.execute(&shinjuku("DELETE FROM audit_entry WHERE seq = 3"), &[])
        .await
        .unwrap();
    let (ok, out) = kofu(&app, &["audit", "verify"], None);
    assert!(!ok && out.contains("newest entries were deleted"), "{out}");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn purging_past_retention_keeps_a_verifiable_chain() {
    let app = spawn_app().await;
    some_calls(&app).await;
    // Eight years later every entry so far is past the seven-year retention.
    let (ok, out) = kofu(&app, &["audit", "purge"], Some("2034-01-01T00:00:00+09:00"));
    assert!(ok && out.contains("purged 4 audit entries"), "{out}");
    // Each chain keeps the record of its own purge.
    let (ok, out) = kofu(&app, &["audit", "verify"], None);
    assert!(ok && out.contains("intact: 2 entries"), "{out}");
    let purges = app
        .db
        .client()
        .await
        .query(
            "SELECT chain, through_seq, entries FROM audit_purge ORDER BY chain",
            &[],
        )
        .await
        .unwrap();
    let purges: Vec<(String, i64, i64)> = purges
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(purges, vec![("".into(), 1, 1), ("131041".into(), 3, 3)]);
    // Calls after the purge continue the chains.
    some_calls(&app).await;
    let (ok, out) = kofu(&app, &["audit", "verify"], None);
    assert!(ok && out.contains("intact: 6 entries"), "{out}");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn batch_lookups_are_recorded_like_every_other_call() {
    let app = spawn_app().await;
    let db = app.db.client().await;
    let applied: String = db
        .query_one(
            "SELECT batch_id FROM sync_batch WHERE state = 'applied' LIMIT 1",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    app.get_batch(&applied).await.unwrap();
    let missing = app.get_batch("no-such-batch").await.unwrap_err();
    assert_eq!(missing.code(), tonic::Code::NotFound);
    let rows = db
        .query(
            "SELECT client_identity, lg_code, outcome, request->>'batch_id' FROM audit_entry
             WHERE action = 'GetBatch' ORDER BY seq",
            &[],
        )
        .await
        .unwrap();
    let got: Vec<(String, String, String, String)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    assert_eq!(
        got,
        vec![
            (SYNC.into(), "131041".into(), "found".into(), applied),
            (
                SYNC.into(),
                String::new(),
                "error:NotFound".into(),
                "no-such-batch".into()
            ),
        ]
    );
    let (ok, out) = kofu(&app, &["audit", "verify"], None);
    assert!(ok, "{out}");
}
