//! What operators rely on: health, reflection, metrics, refusing an unmigrated database,
//! graceful shutdown, shedding past the in-flight limit.

use crate::fixtures::{UNKNOWN_CARD, YAMADA_CARD};
use crate::helpers::{
    OPS, SHUTDOWN_GRACE_SECONDS, TestCerts, TestDb, issue_request, settings, spawn_app,
};
use kofu::grpc::pb::issue_certificate_response::Outcome;
use std::time::{Duration, Instant};

#[tokio::test]
async fn health_reports_the_issuance_service_serving() {
    let app = spawn_app().await;
    let channel = app.channel_as(OPS).await.unwrap();
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    let response = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "kofu.v1.IssuanceService".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        response.status(),
        tonic_health::pb::health_check_response::ServingStatus::Serving
    );
    app.stop().await.unwrap();
}

#[tokio::test]
async fn reflection_lists_the_services() {
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

    let app = spawn_app().await;
    let channel = app.channel_as(OPS).await.unwrap();
    let mut reflection = ServerReflectionClient::new(channel);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut stream = reflection
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let response = stream.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("unexpected reflection response {response:?}");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    assert!(
        names.contains(&"kofu.v1.IssuanceService".to_owned()),
        "{names:?}"
    );
    assert!(
        names.contains(&"grpc.health.v1.Health".to_owned()),
        "{names:?}"
    );
    app.stop().await.unwrap();
}

#[tokio::test]
async fn metrics_expose_issuance_latency_and_pool_state() {
    let app = spawn_app().await;
    app.issue_certificate(issue_request("req-metrics", UNKNOWN_CARD))
        .await
        .unwrap();
    let metrics = app.metrics().await;
    assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
    for expected in [
        "kofu_issuance_seconds_bucket{kind=\"income-and-taxation\",outcome=\"refused\"",
        "kofu_refusals_total{reason=\"unknown_card\"} 1",
        "kofu_db_pool_max_connections 8",
        "kofu_db_pool_connections ",
        "kofu_db_pool_available_connections ",
        "kofu_db_pool_waiting_requests 0",
    ] {
        assert!(
            metrics.contains(expected),
            "{expected:?} missing:\n{metrics}"
        );
    }
    assert!(!metrics.contains(UNKNOWN_CARD));
    app.stop().await.unwrap();
}

#[tokio::test]
async fn the_server_refuses_an_unmigrated_database() {
    let db = TestDb::empty();
    let certs = TestCerts::new();
    let error = match kofu::startup::App::build(settings(&db, &certs)).await {
        Ok(_) => panic!("the server started on an unmigrated database"),
        Err(e) => format!("{e:#}"),
    };
    assert!(error.contains("kofu migrate"), "{error}");
}

#[tokio::test]
async fn a_title_or_note_that_cannot_be_printed_stops_start_up_naming_its_key() {
    let db = TestDb::migrated();
    let certs = TestCerts::new();
    let start = |tweak: &dyn Fn(&mut kofu::config::Settings)| {
        let mut s = settings(&db, &certs);
        tweak(&mut s);
        async move {
            match kofu::startup::App::build(s).await {
                Ok(_) => String::new(),
                Err(e) => format!("{e:#}"),
            }
        }
    };
    // A character no configured font has.
    let error = start(&|s| {
        s.municipalities[0].policy.titles.income = Some("所得証明書\u{1F3EF}".into());
    })
    .await;
    assert!(error.contains("policy.titles.income"), "{error}");
    // Longer than one line allows: refused when the configuration is checked.
    let error = start(&|s| {
        s.municipalities[0].policy.notes.tax_payment = Some("注".repeat(61));
    })
    .await;
    assert!(
        error.contains("policy.notes.tax_payment must be 1 to 60"),
        "{error}"
    );
    // Shinjuku's own title starts.
    let error = start(&|s| {
        s.municipalities[0].policy.titles.taxation = Some("課税（非課税）証明書".into());
    })
    .await;
    assert_eq!(error, "");
}

#[tokio::test]
async fn shutdown_finishes_in_flight_work_and_stops() {
    let app = spawn_app().await;
    // An IssueCertificate call records itself by appending to the audit chain, under the row lock
    // of `audit_head`, before it answers. Holding that lock keeps the call in flight.
    let lock = app.db.client().await;
    lock.batch_execute("BEGIN; SELECT seq FROM audit_head FOR UPDATE")
        .await
        .unwrap();
    let mut relay = app.relay().await;
    let mut call = tokio::spawn(async move {
        relay
            .issue_certificate(issue_request("req-drain", YAMADA_CARD))
            .await
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        // Blocked by this session's lock, whatever pg_stat_activity still shows as its query (a
        // pooled connection may show the statement it ran before the audit append).
        let waiting: i64 = lock
            .query_one(
                "SELECT count(*) FROM pg_stat_activity a
                 WHERE a.datname = current_database()
                   AND pg_backend_pid() = ANY (pg_blocking_pids(a.pid))",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        if waiting > 0 {
            break;
        }
        assert!(
            !call.is_finished(),
            "the call ended without waiting on the audit lock: {:?}",
            (&mut call).await
        );
        assert!(
            Instant::now() < deadline,
            "the call never waited on the audit lock"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let grpc_addr = app.grpc_addr;
    let metrics_addr = app.metrics_addr;
    let started = Instant::now();
    let mut stopping = tokio::spawn(app.stop());
    // Shutdown has begun once the metrics listener, closed on the same signal, refuses connections
    // (the gRPC listener stays bound until the drain ends, so it cannot tell).
    while tokio::net::TcpStream::connect(metrics_addr).await.is_ok() {
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "shutdown did not begin"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // While the call is held the server keeps draining: it does not stop under the call.
    assert!(
        tokio::time::timeout(Duration::from_millis(500), &mut stopping)
            .await
            .is_err(),
        "the server stopped with a call in flight"
    );
    assert!(!call.is_finished(), "{:?}", (&mut call).await);

    lock.batch_execute("COMMIT").await.unwrap();
    let response = tokio::time::timeout(Duration::from_secs(5), call)
        .await
        .expect("the in-flight call finished once the lock was released")
        .unwrap()
        .expect("the in-flight call succeeded")
        .into_inner();
    match response.outcome {
        Some(Outcome::Issued(c)) => assert_eq!(c.certificate_number, "R7-0000001"),
        other => panic!("expected a certificate, got {other:?}"),
    }
    tokio::time::timeout(Duration::from_secs(10), stopping)
        .await
        .expect("the server stopped")
        .unwrap()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(SHUTDOWN_GRACE_SECONDS),
        "the server stopped only when its grace period ran out, after {:?}",
        started.elapsed()
    );
    assert!(
        tokio::net::TcpStream::connect(grpc_addr).await.is_err(),
        "the server still accepts connections after shutdown"
    );
}

#[tokio::test]
async fn past_its_in_flight_limit_the_server_sheds_at_once_and_summarises_in_the_audit_trail() {
    let db = crate::helpers::TestDb::migrated();
    crate::helpers::load_full(&db, crate::fixtures::records()).await;
    let app = crate::helpers::spawn_app_with(db, |s| {
        s.server.max_in_flight = 1;
        s.server.shed_summary_seconds = 1;
    })
    .await;
    // One call held in flight on the audit trail's head rows fills the only slot.
    let lock = app.db.client().await;
    lock.batch_execute("BEGIN; SELECT seq FROM audit_head FOR UPDATE")
        .await
        .unwrap();
    let mut relay = app.relay().await;
    let held = tokio::spawn(async move {
        relay
            .issue_certificate(issue_request("held", YAMADA_CARD))
            .await
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while !app.metrics().await.contains("kofu_in_flight_calls 1") {
        assert!(
            Instant::now() < deadline,
            "the held call was never admitted"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let started = Instant::now();
    let shed = app
        .issue_certificate(issue_request("shed", YAMADA_CARD))
        .await
        .unwrap_err();
    let waited = started.elapsed();
    assert_eq!(shed.code(), tonic::Code::ResourceExhausted, "{shed:?}");
    assert!(shed.message().contains("retry"), "{shed:?}");
    assert!(waited < Duration::from_secs(1), "shed after {waited:?}");
    let listed = app.list_available(YAMADA_CARD).await.unwrap_err();
    assert_eq!(listed.code(), tonic::Code::ResourceExhausted);
    let metrics = app.metrics().await;
    for line in [
        "kofu_shed_total{method=\"IssueCertificate\"} 1",
        "kofu_shed_total{method=\"ListAvailable\"} 1",
        "kofu_admitted_total{method=\"IssueCertificate\"} 1",
    ] {
        assert!(metrics.contains(line), "{line} missing:\n{metrics}");
    }

    lock.batch_execute("ROLLBACK").await.unwrap();
    assert!(held.await.unwrap().is_ok());
    // The shed calls wrote nothing themselves; within the interval one summary entry counts them.
    let db = app.db.client().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let rows = loop {
        let rows = db
            .query(
                "SELECT action, outcome, request->'shed' FROM audit_entry
                 WHERE action IN ('IssueCertificate', 'ListAvailable', 'ShedSummary')
                 ORDER BY chain, seq",
                &[],
            )
            .await
            .unwrap();
        if rows.len() > 1 || Instant::now() > deadline {
            break rows;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let got: Vec<(String, String, serde_json::Value)> = rows
        .iter()
        .map(|r| {
            (
                r.get(0),
                r.get(1),
                r.get::<_, Option<serde_json::Value>>(2).unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "ShedSummary".into(),
                "shed:2".into(),
                serde_json::json!({"IssueCertificate": 1, "ListAvailable": 1})
            ),
            (
                "IssueCertificate".into(),
                "issued".into(),
                serde_json::Value::Null
            ),
        ]
    );
    app.stop().await.unwrap();
}
