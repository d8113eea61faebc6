//! `kofu load` against the test server: a closed-loop run of IssueCertificate over a synthetic
//! municipality, an open-loop run of the whole relay flow from a serials file, and a run whose
//! calls fail; each JSON line is checked (certificates issued, outcomes adding up to the calls,
//! percentiles in order). And against a stand-in server that sheds every other call with
//! RESOURCE_EXHAUSTED, as admission control does: shed calls are counted apart and fail nothing.

use crate::helpers::{
    RELAY, SHINJUKU, TestApp, TestCerts, TestDb, load_full_extracted, spawn_app_on,
    synthetic_extraction,
};
use kofu::domain::lg_code::LgCode;
use kofu::grpc::pb;
use kofu::tools::synthetic::{self, Municipality};
use serde_json::Value;

const SEED: u64 = 7;
const PEOPLE: usize = 300;

fn shinjuku() -> Municipality {
    Municipality {
        lg_code: LgCode::parse(SHINJUKU).unwrap(),
        prefecture_name: "東京都".into(),
        city_name: "新宿区".into(),
        kind: kofu::domain::municipality::MunicipalityKind::SpecialWard,
    }
}

/// A server on a synthetic municipality of `PEOPLE`, with the relay's certificate where
/// `--certs` looks for it (`relay.pem`, `relay.key` beside `ca.pem`).
async fn spawn_synthetic() -> TestApp {
    let db = TestDb::migrated();
    load_full_extracted(
        &db,
        synthetic::records(SEED, &shinjuku(), PEOPLE, 2025).collect(),
        &synthetic_extraction(2025),
    )
    .await;
    let app = spawn_app_on(db).await;
    let (cert, key) = app.certs.client(RELAY);
    std::fs::copy(cert, app.certs.path("relay.pem")).unwrap();
    std::fs::copy(key, app.certs.path("relay.key")).unwrap();
    app
}

/// Runs `kofu load` against `app`'s server off the runtime's thread (the server answers on it); returns
/// whether it succeeded and its JSON line.
async fn load(app: &TestApp, args: &[&str]) -> (bool, Value) {
    load_from(app.grpc_addr.port(), app.certs.dir.path(), args).await
}

/// Runs `kofu load` against the server on `port` with the certificates in `certs`.
async fn load_from(port: u16, certs: &std::path::Path, args: &[&str]) -> (bool, Value) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_kofu"));
    command
        .arg("load")
        .args([
            "--config",
            concat!(env!("CARGO_MANIFEST_DIR"), "/ops/kofu.dev.toml"),
        ])
        .args(["--server", &format!("https://localhost:{port}")])
        .arg("--certs")
        .arg(certs)
        .args(["--municipality", SHINJUKU, "--quiet"])
        .args(args);
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let line = stdout
        .lines()
        .last()
        .unwrap_or_else(|| panic!("no JSON line: {}", String::from_utf8_lossy(&output.stderr)));
    (output.status.success(), serde_json::from_str(line).unwrap())
}

fn count(value: &Value) -> u64 {
    value
        .as_u64()
        .unwrap_or_else(|| panic!("not a count: {value}"))
}

fn sum(map: &Value) -> u64 {
    map.as_object().unwrap().values().map(count).sum()
}

/// Every unit ended one way, and every latency summary is in order.
fn check_consistent(report: &Value) {
    let outcomes = &report["outcomes"];
    assert_eq!(
        count(&outcomes["issued"])
            + sum(&outcomes["refused"])
            + count(&outcomes["shed"])
            + sum(&outcomes["errors"]),
        count(&report["requests"]),
        "{report}"
    );
    assert_eq!(report["shed"], outcomes["shed"], "{report}");
    let summaries = report["latency_ms"].as_object().unwrap();
    assert!(!summaries.is_empty(), "{report}");
    for (method, s) in summaries {
        assert!(count(&s["count"]) > 0, "{method}: {report}");
        let at = |key: &str| s[key].as_f64().unwrap();
        assert!(at("p50") > 0.0, "{method}: {report}");
        assert!(
            at("p50") <= at("p90")
                && at("p90") <= at("p99")
                && at("p99") <= at("p99_9")
                && at("p99_9") <= at("max"),
            "{method}: {report}"
        );
    }
    assert!(report["seconds"].as_f64().unwrap() > 0.0, "{report}");
    assert!(report["calls_per_s"].as_f64().unwrap() > 0.0, "{report}");
}

#[tokio::test]
async fn kofu_load_drives_issuance_closed_and_open_loop_and_reports_one_json_line() {
    let app = spawn_synthetic().await;

    // Closed loop, IssueCertificate alone, each synthetic resident's newest card.
    let (ok, closed) = load(
        &app,
        &[
            "--residents",
            "300",
            "--seed",
            "7",
            "--fiscal-year",
            "2025",
            "--concurrency",
            "4",
            "--requests",
            "200",
            "--warmup",
            "10",
            "--label",
            "closed",
        ],
    )
    .await;
    assert!(ok, "{closed}");
    check_consistent(&closed);
    assert_eq!(
        (&closed["label"], &closed["flow"], &closed["mode"]),
        (&"closed".into(), &"issue".into(), &"closed".into())
    );
    assert_eq!(count(&closed["concurrency"]), 4);
    assert_eq!(count(&closed["requests"]), 200);
    assert_eq!(count(&closed["rpcs"]), 200);
    assert!(count(&closed["outcomes"]["issued"]) > 100, "{closed}");
    assert_eq!(
        count(&closed["latency_ms"]["IssueCertificate"]["count"]),
        200
    );
    assert_eq!(sum(&closed["outcomes"]["errors"]), 0, "{closed}");
    assert!(closed.get("late").is_none(), "{closed}");

    // Open loop, the whole relay flow, serials from a file.
    let serials = tempfile::NamedTempFile::new().unwrap();
    let cards: Vec<String> = synthetic::people(SEED, &shinjuku(), PEOPLE, 2025)
        .filter_map(|p| p.card_links.last().map(|c| c.card_serial.clone()))
        .collect();
    std::fs::write(serials.path(), cards.join("\n")).unwrap();
    let (ok, open) = load(
        &app,
        &[
            "--serials",
            serials.path().to_str().unwrap(),
            "--fiscal-year",
            "2025",
            "--flow",
            "relay",
            "--rate",
            "50",
            "--max-outstanding",
            "20",
            "--requests",
            "100",
            "--warmup",
            "5",
            "--label",
            "open",
        ],
    )
    .await;
    assert!(ok, "{open}");
    check_consistent(&open);
    assert_eq!(
        (&open["flow"], &open["mode"]),
        (&"relay".into(), &"open".into())
    );
    assert_eq!(open["rate"].as_f64(), Some(50.0));
    assert_eq!(count(&open["requests"]), 100);
    let issued = count(&open["outcomes"]["issued"]);
    assert!(issued > 50, "{open}");
    assert_eq!(count(&open["outcomes"]["printed"]), issued, "{open}");
    let latency = &open["latency_ms"];
    assert_eq!(count(&latency["ListAvailable"]["count"]), 100, "{open}");
    assert_eq!(
        count(&latency["ReportPrintResult"]["count"]),
        issued,
        "{open}"
    );
    assert_eq!(count(&latency["flow"]["count"]), 100, "{open}");
    assert_eq!(
        count(&open["rpcs"]),
        100 + count(&latency["IssueCertificate"]["count"]) + issued,
        "{open}"
    );
    // At 50 a second, 100 residents take about two seconds.
    assert!(open["seconds"].as_f64().unwrap() >= 1.9, "{open}");
    assert!(open["late"].is_u64(), "{open}");

    // Calls that fail (a fiscal year out of range is INVALID_ARGUMENT) fail the command, and the
    // JSON line still says what happened.
    let (ok, failed) = load(
        &app,
        &[
            "--serials",
            serials.path().to_str().unwrap(),
            "--fiscal-year",
            "1800",
            "--requests",
            "5",
            "--warmup",
            "0",
        ],
    )
    .await;
    assert!(!ok, "{failed}");
    assert_eq!(
        count(&failed["outcomes"]["errors"]["InvalidArgument"]),
        5,
        "{failed}"
    );
    assert!(
        failed["error_messages"]["InvalidArgument"]
            .as_str()
            .unwrap()
            .contains("IssueCertificate: fiscal_year"),
        "{failed}"
    );
    app.stop().await.unwrap();
}

/// Answers every other IssueCertificate RESOURCE_EXHAUSTED at once and refuses the rest
/// (UNKNOWN_CARD), after `delay`.
struct Shedding {
    calls: std::sync::atomic::AtomicUsize,
    delay: std::time::Duration,
}

#[tonic::async_trait]
impl pb::issuance_service_server::IssuanceService for Shedding {
    async fn issue_certificate(
        &self,
        _: tonic::Request<pb::IssueCertificateRequest>,
    ) -> Result<tonic::Response<pb::IssueCertificateResponse>, tonic::Status> {
        if self
            .calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            % 2
            == 0
        {
            return Err(tonic::Status::resource_exhausted(
                "too many calls in flight",
            ));
        }
        tokio::time::sleep(self.delay).await;
        Ok(tonic::Response::new(pb::IssueCertificateResponse {
            outcome: Some(pb::issue_certificate_response::Outcome::Refusal(
                pb::Refusal {
                    reason: pb::RefusalReason::UnknownCard as i32,
                    message: String::new(),
                },
            )),
        }))
    }

    async fn list_available(
        &self,
        _: tonic::Request<pb::ListAvailableRequest>,
    ) -> Result<tonic::Response<pb::ListAvailableResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("not here"))
    }

    async fn report_print_result(
        &self,
        _: tonic::Request<pb::ReportPrintResultRequest>,
    ) -> Result<tonic::Response<pb::ReportPrintResultResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("not here"))
    }
}

#[tokio::test]
async fn shed_calls_are_counted_apart_with_their_own_latency_and_fail_nothing() {
    let certs = TestCerts::new();
    let (cert, key) = certs.client(RELAY);
    std::fs::copy(cert, certs.path("relay.pem")).unwrap();
    std::fs::copy(key, certs.path("relay.key")).unwrap();
    let tls = kofu::tls::server_config(
        &certs.path("server.pem"),
        &certs.path("server.key"),
        &certs.path("ca.pem"),
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        tonic::transport::Server::builder()
            .tls_config(tls)
            .unwrap()
            .add_service(pb::issuance_service_server::IssuanceServiceServer::new(
                Shedding {
                    calls: Default::default(),
                    delay: std::time::Duration::from_millis(100),
                },
            ))
            .serve_with_incoming_shutdown(
                tokio_stream::wrappers::TcpListenerStream::new(listener),
                async {
                    let _ = stopped.await;
                },
            ),
    );
    let serials = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(serials.path(), "CARD-1\nCARD-2\n").unwrap();
    let (ok, report) = load_from(
        port,
        certs.dir.path(),
        &[
            "--serials",
            serials.path().to_str().unwrap(),
            "--fiscal-year",
            "2025",
            "--concurrency",
            "4",
            "--requests",
            "100",
            "--warmup",
            "0",
        ],
    )
    .await;
    assert!(ok, "{report}");
    check_consistent(&report);
    assert_eq!(count(&report["shed"]), 50, "{report}");
    assert_eq!(count(&report["outcomes"]["shed"]), 50, "{report}");
    assert_eq!(
        count(&report["outcomes"]["refused"]["UNKNOWN_CARD"]),
        50,
        "{report}"
    );
    assert_eq!(count(&report["shed_latency_ms"]["count"]), 50, "{report}");
    assert_eq!(
        count(&report["latency_ms"]["IssueCertificate"]["count"]),
        50,
        "{report}"
    );
    // Shed at once, while the admitted calls waited 100 ms: the two are not mixed.
    let shed_p50 = report["shed_latency_ms"]["p50"].as_f64().unwrap();
    let admitted_p50 = report["latency_ms"]["IssueCertificate"]["p50"]
        .as_f64()
        .unwrap();
    assert!(shed_p50 < 100.0 && admitted_p50 >= 100.0, "{report}");
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
