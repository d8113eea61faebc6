//! Mutual TLS and roles: only known client identities get in, and only to their services.

use crate::fixtures::YAMADA_CARD;
use crate::helpers::{OPS, RELAY, SYNC, issue_request, spawn_app};
use kofu::grpc::pb::issuance_service_client::IssuanceServiceClient;
use kofu::tools::dev_certs::DevCa;
use tonic::Code;

#[tokio::test]
async fn an_identity_without_a_role_is_permission_denied() {
    let app = spawn_app().await;
    let status = app
        .issue_certificate_as("someone-else", issue_request("req-access", YAMADA_CARD))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    assert!(status.message().contains("someone-else"), "{status:?}");
    // The refused call is a security event in the audit trail (written by a task of its own).
    let db = app.db.client().await;
    let mut recorded = None;
    for _ in 0..50 {
        recorded = db
            .query_opt(
                "SELECT client_identity, action, outcome FROM audit_entry WHERE outcome LIKE 'denied%'",
                &[],
            )
            .await
            .unwrap();
        if recorded.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let row = recorded.expect("the denied call was recorded");
    assert_eq!(row.get::<_, String>(0), "someone-else");
    assert_eq!(row.get::<_, String>(1), "kofu.v1.IssuanceService");
    assert_eq!(row.get::<_, String>(2), "denied:no_role");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn a_role_may_call_only_its_own_services() {
    let app = spawn_app().await;
    for identity in [SYNC, OPS] {
        let status = app
            .issue_certificate_as(identity, issue_request("req-access", YAMADA_CARD))
            .await
            .unwrap_err();
        assert_eq!(
            status.code(),
            Code::PermissionDenied,
            "{identity}: {status:?}"
        );
        assert!(status.message().contains("relay"), "{status:?}");
    }
    app.stop().await.unwrap();
}

#[tokio::test]
async fn a_certificate_from_another_ca_cannot_connect() {
    let app = spawn_app().await;
    let stranger = DevCa::new("some other CA").unwrap();
    let (cert, key) = stranger.client(RELAY).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.pem"), cert).unwrap();
    std::fs::write(dir.path().join("c.key"), key).unwrap();
    // rustls may refuse during the handshake (connect fails) or on the first call, depending on
    // when the client learns of the alert; either way the server names the unknown CA.
    let refusal = match app
        .channel_with(&dir.path().join("c.pem"), &dir.path().join("c.key"))
        .await
    {
        Err(error) => format!("{error:?}"),
        Ok(channel) => match IssuanceServiceClient::new(channel)
            .issue_certificate(issue_request("req-access", YAMADA_CARD))
            .await
        {
            Ok(_) => panic!("a client certificate from a foreign CA was accepted"),
            Err(status) => format!("{status:?}"),
        },
    };
    assert!(refusal.contains("UnknownCA"), "{refusal}");
    app.stop().await.unwrap();
}
