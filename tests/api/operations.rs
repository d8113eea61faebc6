//! What operators rely on: health, reflection, metrics, refusing an unmigrated database,
//! graceful shutdown.

use crate::fixtures::UNKNOWN_CARD;
use crate::helpers::{OPS, TestCerts, TestDb, issue_request, settings, spawn_app};
use kofu::grpc::pb;

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
async fn shutdown_finishes_in_flight_work_and_stops() {
    let app = spawn_app().await;
    let mut relay = app.relay().await;
    let call = tokio::spawn(async move {
        relay
            .issue_certificate(pb::IssueCertificateRequest {
                request_id: "req-drain".into(),
                municipality_code: crate::helpers::SHINJUKU.into(),
                applicant: Some(pb::Applicant {
                    card_serial: crate::fixtures::YAMADA_CARD.into(),
                }),
                kind: pb::CertificateKind::IncomeAndTaxation as i32,
                fiscal_year: 2025,
                copies: 1,
                kiosk: Some(pb::Kiosk {
                    operator_code: "SEVEN".into(),
                    terminal_id: "T-1".into(),
                }),
            })
            .await
    });
    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    let addr = app.grpc_addr;
    tokio::time::timeout(std::time::Duration::from_secs(10), app.stop())
        .await
        .expect("the server stopped within its grace period")
        .unwrap();
    // The call either completed before shutdown began or was drained; it never half-happens.
    if let Ok(response) = call.await.unwrap() {
        assert!(response.into_inner().outcome.is_some());
    }
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "the server still accepts connections after shutdown"
    );
}
