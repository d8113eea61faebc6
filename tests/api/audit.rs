//! The audit trail as an auditor uses it: every call recorded in its municipality's chain,
//! `kofu audit verify` catches edits and deletions in the chain they break, purging old entries
//! leaves chains that still verify, a certificate is recorded only together with its entry, and
//! two servers on one database keep every chain whole.

use crate::fixtures::{UNKNOWN_CARD, YAMADA_CARD};
use crate::helpers::{SYNC, TestApp, issue_request, spawn_app, spawn_app_on};
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

fn issued_number(response: pb::IssueCertificateResponse) -> String {
    match response.outcome {
        Some(pb::issue_certificate_response::Outcome::Issued(c)) => c.certificate_number,
        other => panic!("not issued: {other:?}"),
    }
}

#[tokio::test]
async fn a_certificate_is_recorded_only_with_its_audit_entry() {
    let app = spawn_app().await;
    let db = app.db.client().await;
    // The audit trail refuses every write, as a full disk or a lost connection would at commit.
    db.batch_execute(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS
             $$ BEGIN RAISE EXCEPTION 'audit trail unwritable'; END $$;
         CREATE TRIGGER refuse BEFORE INSERT ON audit_entry
             FOR EACH STATEMENT EXECUTE FUNCTION refuse();",
    )
    .await
    .unwrap();
    let status = app
        .issue_certificate(issue_request("one-commit", YAMADA_CARD))
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}");
    let recorded: i64 = db
        .query_one("SELECT count(*) FROM issuance", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(recorded, 0, "a certificate was recorded without its entry");

    // Once the trail can be written again, the relay's retry issues it, recorded once.
    db.batch_execute("DROP TRIGGER refuse ON audit_entry")
        .await
        .unwrap();
    let number = issued_number(
        app.issue_certificate(issue_request("one-commit", YAMADA_CARD))
            .await
            .unwrap(),
    );
    let row = db
        .query_one(
            "SELECT (SELECT count(*) FROM issuance WHERE certificate_number = $1),
                    (SELECT count(*) FROM audit_entry WHERE certificate_number = $1
                        AND outcome = 'issued')",
            &[&number],
        )
        .await
        .unwrap();
    assert_eq!((row.get::<_, i64>(0), row.get::<_, i64>(1)), (1, 1));
    app.stop().await.unwrap();
}

#[tokio::test]
async fn two_servers_on_one_database_keep_each_chain_and_every_certificate_recorded() {
    let first = spawn_app().await;
    let second = spawn_app_on(crate::helpers::TestDb::existing(first.db.url.clone())).await;
    let apps = [&first, &second];
    // Distinct requests through both, and the same requests sent to both at once (a relay
    // retrying on another replica).
    let calls = (0..60).map(|i| {
        let app = apps[i % 2];
        let id = if i < 40 {
            format!("own-{i}")
        } else {
            format!("shared-{}", i / 2)
        };
        async move {
            let number = issued_number(
                app.issue_certificate(issue_request(&id, YAMADA_CARD))
                    .await
                    .unwrap(),
            );
            (id, number)
        }
    });
    let answers = futures_util::future::join_all(calls).await;
    let mut by_request = std::collections::BTreeMap::new();
    for (id, number) in &answers {
        let earlier = by_request.insert(id.clone(), number.clone());
        assert!(
            earlier.is_none_or(|e| &e == number),
            "{id}: two certificates"
        );
    }
    let mut numbers: Vec<&String> = by_request.values().collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(
        numbers.len(),
        by_request.len(),
        "a number was handed out twice"
    );

    let db = first.db.client().await;
    let row = db
        .query_one(
            "SELECT (SELECT count(*) FROM issuance),
                    (SELECT count(*) FROM issuance i WHERE NOT EXISTS (
                        SELECT 1 FROM audit_entry a WHERE a.certificate_number = i.certificate_number
                          AND a.outcome = 'issued')),
                    (SELECT count(*) FROM audit_entry a WHERE a.outcome = 'issued'
                        AND NOT EXISTS (SELECT 1 FROM issuance i
                                        WHERE i.certificate_number = a.certificate_number))",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        (
            row.get::<_, i64>(0),
            row.get::<_, i64>(1),
            row.get::<_, i64>(2)
        ),
        (by_request.len() as i64, 0, 0),
        "(records, records without an entry, entries without a record)"
    );
    let (ok, out) = kofu(&first, &["audit", "verify"], None);
    assert!(
        ok && out.contains("chain 131041: intact, 60 entries"),
        "{out}"
    );
    second.stop().await.unwrap();
    first.stop().await.unwrap();
}
