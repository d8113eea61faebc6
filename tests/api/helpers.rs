//! Test harness: a fresh database per test cloned from a migrated template, fresh certificates,
//! the server started in-process on port 0 with a fixed clock, and a `TestApp` method per RPC.

use kofu::config::{
    ClockSettings, DatabaseSettings, FontSettings, MunicipalitySettings, Role, Secret,
    ServerSettings, Settings, TlsSettings,
};
use kofu::domain::lg_code::LgCode;
use kofu::domain::municipality::MunicipalityKind;
use kofu::grpc::pb;
use kofu::grpc::pb::certificate_verification_service_client::CertificateVerificationServiceClient;
use kofu::grpc::pb::issuance_service_client::IssuanceServiceClient;
use kofu::grpc::pb::tax_sync_service_client::TaxSyncServiceClient;
use kofu::tools::dev_certs::DevCa;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use tonic::transport::Channel;

pub const SHINJUKU: &str = "131041";
/// Tests run on 1 July 令和7年 (2025), 10:00 in Japan: fiscal years 2022–2025 are open.
pub const NOW: &str = "2025-07-01T10:00:00+09:00";
/// How long the test server lets in-flight calls finish once shutdown begins.
pub const SHUTDOWN_GRACE_SECONDS: u64 = 5;

/// The client identities the test server knows, one per role.
pub const RELAY: &str = "jlis-relay";
pub const SYNC: &str = "tax-sync";
pub const OPS: &str = "kofu-ops";

/// An IssueCertificate request for 令和7年度's 所得・課税証明書, one copy, at a 7-Eleven kiosk in
/// 新宿区. Tests change what they need with struct-update syntax:
/// `pb::IssueCertificateRequest { fiscal_year: 2024, ..issue_request(id, card) }`.
pub fn issue_request(request_id: &str, card_serial: &str) -> pb::IssueCertificateRequest {
    pb::IssueCertificateRequest {
        request_id: request_id.into(),
        municipality_code: SHINJUKU.into(),
        applicant: Some(pb::Applicant {
            card_serial: card_serial.into(),
        }),
        kind: pb::CertificateKind::IncomeAndTaxation as i32,
        fiscal_year: 2025,
        copies: 1,
        kiosk: Some(pb::Kiosk {
            operator_code: "SEVEN".into(),
            terminal_id: "T-1".into(),
        }),
    }
}

fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").expect(
        "TEST_DATABASE_URL is not set: run the tests with `bash ops/test.sh`, which starts a private PostgreSQL",
    )
}

/// `url` with its database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (base, _) = url.rsplit_once('/').expect("a URL with a database name");
    format!("{base}/{name}")
}

/// Runs an async block on a runtime of its own, so that process-wide set-up and `Drop` work
/// whichever test's runtime is current.
fn block_on_own_runtime<F: std::future::Future<Output = T> + Send + 'static, T: Send + 'static>(
    future: F,
) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(future)
    })
    .join()
    .unwrap()
}

async fn admin_client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test database server: {e}"));
    tokio::spawn(connection);
    client
}

const TEMPLATE: &str = "kofu_test_template";

/// Creates the migrated template once per test process.
fn template() -> &'static str {
    static READY: OnceLock<()> = OnceLock::new();
    READY.get_or_init(|| {
        block_on_own_runtime(async {
            let admin = admin_client(&admin_url()).await;
            let stale = admin
                .query(
                    "SELECT datname FROM pg_database WHERE datname LIKE 'kofu_test_%'",
                    &[],
                )
                .await
                .unwrap();
            for row in stale {
                let name: String = row.get(0);
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await
                    .unwrap();
            }
            admin
                .batch_execute(&format!("CREATE DATABASE {TEMPLATE}"))
                .await
                .unwrap();
            let mut client = admin_client(&with_database(&admin_url(), TEMPLATE)).await;
            kofu::db::migrate::run(&mut client).await.unwrap();
        })
    });
    TEMPLATE
}

/// A database of its own for one test, dropped with it.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    pub fn migrated() -> Self {
        Self::create(Some(template()))
    }

    pub fn empty() -> Self {
        template();
        Self::create(None)
    }

    fn create(template: Option<&'static str>) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "kofu_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let sql = match template {
            Some(t) => format!("CREATE DATABASE {name} TEMPLATE {t}"),
            None => format!("CREATE DATABASE {name}"),
        };
        block_on_own_runtime(async move {
            admin_client(&admin_url())
                .await
                .batch_execute(&sql)
                .await
                .unwrap();
        });
        let url = with_database(&admin_url(), &name);
        Self { name, url }
    }

    /// Another handle on a database a test already made; whichever handle goes last drops it.
    pub fn existing(url: String) -> Self {
        let name = url.rsplit('/').next().unwrap_or_default().to_owned();
        Self { name, url }
    }

    pub async fn client(&self) -> tokio_postgres::Client {
        admin_client(&self.url).await
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        block_on_own_runtime(async move {
            let _ = admin_client(&admin_url()).await.batch_execute(&sql).await;
        });
    }
}

/// Certificates for one test: a CA, the server, and clients by identity.
pub struct TestCerts {
    pub dir: tempfile::TempDir,
    ca: DevCa,
}

impl TestCerts {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ca = DevCa::new("kofu test CA").unwrap();
        std::fs::write(dir.path().join("ca.pem"), ca.cert_pem()).unwrap();
        let (cert, key) = ca.server().unwrap();
        std::fs::write(dir.path().join("server.pem"), cert).unwrap();
        std::fs::write(dir.path().join("server.key"), key).unwrap();
        Self { dir, ca }
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }

    /// Writes a client certificate whose CN is `identity`; returns (cert, key) paths.
    pub fn client(&self, identity: &str) -> (PathBuf, PathBuf) {
        let (cert, key) = self.ca.client(identity).unwrap();
        let cert_path = self.path(&format!("client-{identity}.pem"));
        let key_path = self.path(&format!("client-{identity}.key"));
        std::fs::write(&cert_path, cert).unwrap();
        std::fs::write(&key_path, key).unwrap();
        (cert_path, key_path)
    }
}

pub fn shinjuku() -> MunicipalitySettings {
    MunicipalitySettings {
        code: LgCode::parse(SHINJUKU).unwrap(),
        prefecture: "東京都".into(),
        name: "新宿区".into(),
        kind: MunicipalityKind::SpecialWard,
        mayor_title: "新宿区長".into(),
        mayor_name: "新宿　太郎".into(),
        seal_text: "新宿区長之印".into(),
        seal_image: None,
        policy: Default::default(),
    }
}

pub fn settings(db: &TestDb, certs: &TestCerts) -> Settings {
    Settings {
        server: ServerSettings {
            grpc_addr: "127.0.0.1:0".parse().unwrap(),
            metrics_addr: "127.0.0.1:0".parse().unwrap(),
            shutdown_grace_seconds: SHUTDOWN_GRACE_SECONDS,
            max_in_flight: 64,
            shed_summary_seconds: 60,
        },
        tls: TlsSettings {
            cert: certs.path("server.pem"),
            key: certs.path("server.key"),
            client_ca: certs.path("ca.pem"),
        },
        clients: [
            (RELAY.to_owned(), Role::Relay),
            (SYNC.to_owned(), Role::Sync),
            (OPS.to_owned(), Role::Ops),
        ]
        .into_iter()
        .collect(),
        database: DatabaseSettings {
            url: Secret::new(db.url.clone()),
            pool_size: 8,
            wait_timeout_ms: 2_000,
        },
        fonts: FontSettings {
            primary: "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf".into(),
            fallback: "/usr/share/fonts/truetype/ipamj/ipamjm.ttf".into(),
        },
        clock: ClockSettings {
            fixed_now: Some(chrono::DateTime::parse_from_rfc3339(NOW).unwrap()),
        },
        municipalities: vec![shinjuku()],
    }
}

/// A running server with its own database and certificates.
pub struct TestApp {
    pub grpc_addr: std::net::SocketAddr,
    pub metrics_addr: std::net::SocketAddr,
    pub certs: TestCerts,
    pub db: TestDb,
    /// One connection per identity, made at its first call and shared by the calls after it.
    channels: tokio::sync::Mutex<HashMap<String, Channel>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

/// Applies `records` to the test database as a FULL batch, in-process.
pub async fn load_full(db: &TestDb, records: Vec<kofu::domain::sync_record::SyncRecord>) {
    load_full_extracted(db, records, NOW).await
}

/// [`load_full`] for a batch extracted at `extracted_at` (RFC 3339), applied on that day.
pub async fn load_full_extracted(
    db: &TestDb,
    records: Vec<kofu::domain::sync_record::SyncRecord>,
    extracted_at: &str,
) {
    load_full_into(db, &shinjuku(), records, extracted_at).await
}

/// [`load_full_extracted`] for `municipality`'s data.
pub async fn load_full_into(
    db: &TestDb,
    municipality: &MunicipalitySettings,
    records: Vec<kofu::domain::sync_record::SyncRecord>,
    extracted_at: &str,
) {
    let extracted_at = chrono::DateTime::parse_from_rfc3339(extracted_at).unwrap();
    let certs = TestCerts::new();
    let mut settings = settings(db, &certs);
    settings.municipalities = vec![municipality.clone()];
    settings.clock.fixed_now = Some(extracted_at);
    let pool = kofu::db::pool(&db.url, 2, std::time::Duration::from_secs(5)).unwrap();
    let clock = kofu::clock::Clock::from_setting(settings.clock.fixed_now);
    let service = kofu::service::sync::SyncService::new(pool, std::sync::Arc::new(settings), clock);
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let report = service
        .apply(
            kofu::service::sync::BatchHeader {
                batch_id: format!("fixture-{}", NEXT.fetch_add(1, Ordering::Relaxed)),
                lg_code: municipality.code,
                mode: kofu::domain::sync_record::SyncMode::Full,
                extracted_at: extracted_at.into(),
            },
            &kofu::domain::caller::Caller::new("test fixtures"),
            records,
        )
        .await
        .unwrap();
    assert_eq!(
        report.state,
        kofu::service::sync::BatchState::Applied,
        "{:?}",
        report.errors
    );
}

/// When a synthetic batch whose newest fiscal year is `latest_fiscal_year` was extracted (RFC 3339):
/// 02:00 in Japan on the day its data describes, so that no date in it lies after extraction.
pub fn synthetic_extraction(latest_fiscal_year: i32) -> String {
    kofu::tools::synthetic::extraction_date(latest_fiscal_year)
        .and_hms_opt(2, 0, 0)
        .unwrap()
        .and_local_timezone(kofu::clock::japan())
        .unwrap()
        .to_rfc3339()
}

/// A FULL batch of `records` as the tax system streams it: header, chunks of 100, trailer.
pub fn full_batch(
    batch_id: &str,
    records: &[kofu::domain::sync_record::SyncRecord],
) -> Vec<pb::SyncMessage> {
    let at = chrono::DateTime::parse_from_rfc3339(NOW).unwrap();
    let mut messages = vec![pb::SyncMessage {
        body: Some(pb::sync_message::Body::Header(pb::BatchHeader {
            batch_id: batch_id.into(),
            municipality_code: SHINJUKU.into(),
            mode: pb::SyncMode::Full as i32,
            extracted_at: Some(prost_types::Timestamp {
                seconds: at.timestamp(),
                nanos: 0,
            }),
        })),
    }];
    messages.extend(records.chunks(100).map(|chunk| {
        pb::SyncMessage {
            body: Some(pb::sync_message::Body::Chunk(pb::RecordChunk {
                records: chunk
                    .iter()
                    .map(kofu::grpc::sync_records::record_to_wire)
                    .collect(),
            })),
        }
    }));
    messages.push(pb::SyncMessage {
        body: Some(pb::sync_message::Body::Trailer(pb::BatchTrailer {
            record_count: records.len() as i64,
        })),
    });
    messages
}

/// Starts a server on a migrated database holding the fixture people.
pub async fn spawn_app() -> TestApp {
    let db = TestDb::migrated();
    load_full(&db, crate::fixtures::records()).await;
    spawn_app_on(db).await
}

pub async fn spawn_app_on(db: TestDb) -> TestApp {
    spawn_app_with(db, |_| {}).await
}

/// A server on `db` whose settings `tweak` adjusts (clock, policy) before it starts.
pub async fn spawn_app_with(db: TestDb, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let certs = TestCerts::new();
    let mut settings = settings(&db, &certs);
    tweak(&mut settings);
    let app = kofu::startup::App::build(settings)
        .await
        .expect("server builds");
    let grpc_addr = app.grpc_addr();
    let metrics_addr = app.metrics_addr();
    let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(app.run_until(async {
        let _ = stop.await;
    }));
    TestApp {
        grpc_addr,
        metrics_addr,
        certs,
        db,
        channels: Default::default(),
        shutdown: Some(shutdown),
        task: Some(task),
    }
}

impl TestApp {
    /// A channel presenting a client certificate with CN `identity`, signed by the test CA.
    pub async fn channel_as(&self, identity: &str) -> Result<Channel, anyhow::Error> {
        let (cert, key) = self.certs.client(identity);
        self.channel_with(&cert, &key).await
    }

    pub async fn channel_with(&self, cert: &Path, key: &Path) -> Result<Channel, anyhow::Error> {
        Ok(kofu::tls::connect(
            &format!("https://localhost:{}", self.grpc_addr.port()),
            "localhost",
            &self.certs.path("ca.pem"),
            cert,
            key,
        )
        .await?)
    }

    /// The shared connection as `identity`, made on first use.
    async fn connection(&self, identity: &str) -> Channel {
        let mut channels = self.channels.lock().await;
        if let Some(channel) = channels.get(identity) {
            return channel.clone();
        }
        let channel = self
            .channel_as(identity)
            .await
            .unwrap_or_else(|e| panic!("cannot connect as {identity}: {e:#}"));
        channels.insert(identity.to_owned(), channel.clone());
        channel
    }

    /// An IssuanceService client of the relay's own, for a call that outlives a borrow of the app.
    pub async fn relay(&self) -> IssuanceServiceClient<Channel> {
        IssuanceServiceClient::new(self.connection(RELAY).await)
    }

    /// IssueCertificate, as the relay.
    pub async fn issue_certificate(
        &self,
        request: pb::IssueCertificateRequest,
    ) -> Result<pb::IssueCertificateResponse, tonic::Status> {
        self.issue_certificate_as(RELAY, request).await
    }

    /// IssueCertificate as `identity` (a role without access, for one).
    pub async fn issue_certificate_as(
        &self,
        identity: &str,
        request: pb::IssueCertificateRequest,
    ) -> Result<pb::IssueCertificateResponse, tonic::Status> {
        IssuanceServiceClient::new(self.connection(identity).await)
            .issue_certificate(request)
            .await
            .map(tonic::Response::into_inner)
    }

    /// ListAvailable in 新宿区 for `card_serial`, as the relay.
    pub async fn list_available(
        &self,
        card_serial: &str,
    ) -> Result<pb::ListAvailableResponse, tonic::Status> {
        self.relay()
            .await
            .list_available(pb::ListAvailableRequest {
                request_id: "list".into(),
                municipality_code: SHINJUKU.into(),
                applicant: Some(pb::Applicant {
                    card_serial: card_serial.into(),
                }),
            })
            .await
            .map(tonic::Response::into_inner)
    }

    /// The outcome the audit trail recorded for the latest `action` call with `request_id`, e.g.
    /// "refused:support_measure": the specific reason the relay is never told.
    pub async fn audited_outcome(&self, action: &str, request_id: &str) -> String {
        self.db
            .client()
            .await
            .query_one(
                "SELECT outcome FROM audit_entry WHERE action = $1 AND request->>'request_id' = $2
                 ORDER BY seq DESC LIMIT 1",
                &[&action, &request_id],
            )
            .await
            .unwrap_or_else(|e| panic!("no audit entry for {action} {request_id}: {e}"))
            .get(0)
    }

    /// ReportPrintResult in 新宿区, as the relay, with request id `print-{certificate_number}`.
    pub async fn report_print_result(
        &self,
        certificate_number: &str,
        result: pb::PrintResult,
    ) -> Result<pb::ReportPrintResultResponse, tonic::Status> {
        self.relay()
            .await
            .report_print_result(pb::ReportPrintResultRequest {
                request_id: format!("print-{certificate_number}"),
                municipality_code: SHINJUKU.into(),
                certificate_number: certificate_number.into(),
                result: result as i32,
            })
            .await
            .map(tonic::Response::into_inner)
    }

    /// VerifyCertificate in 新宿区, as a counter clerk (ops).
    pub async fn verify_certificate(
        &self,
        certificate_number: &str,
        pdf_sha256: &str,
    ) -> Result<pb::VerifyCertificateResponse, tonic::Status> {
        self.verify_certificate_as(OPS, certificate_number, pdf_sha256)
            .await
    }

    /// VerifyCertificate as `identity`.
    pub async fn verify_certificate_as(
        &self,
        identity: &str,
        certificate_number: &str,
        pdf_sha256: &str,
    ) -> Result<pb::VerifyCertificateResponse, tonic::Status> {
        self.verify_certificate_request(
            identity,
            pb::VerifyCertificateRequest {
                municipality_code: SHINJUKU.into(),
                certificate_number: certificate_number.into(),
                pdf_sha256: pdf_sha256.into(),
            },
        )
        .await
    }

    /// CertificateVerificationService.VerifyCertificate with every field given.
    pub async fn verify_certificate_request(
        &self,
        identity: &str,
        request: pb::VerifyCertificateRequest,
    ) -> Result<pb::VerifyCertificateResponse, tonic::Status> {
        CertificateVerificationServiceClient::new(self.connection(identity).await)
            .verify_certificate(request)
            .await
            .map(tonic::Response::into_inner)
    }

    /// TaxSyncService.Upload of `messages`, as the tax system.
    pub async fn upload(
        &self,
        messages: Vec<pb::SyncMessage>,
    ) -> Result<pb::SyncReport, tonic::Status> {
        self.upload_stream(tokio_stream::iter(messages)).await
    }

    /// Upload from a stream the test controls (to cut it, for one).
    pub async fn upload_stream(
        &self,
        messages: impl tokio_stream::Stream<Item = pb::SyncMessage> + Send + 'static,
    ) -> Result<pb::SyncReport, tonic::Status> {
        TaxSyncServiceClient::new(self.connection(SYNC).await)
            .upload(messages)
            .await
            .map(tonic::Response::into_inner)
    }

    /// TaxSyncService.GetBatch, as the tax system.
    pub async fn get_batch(&self, batch_id: &str) -> Result<pb::SyncReport, tonic::Status> {
        self.get_batch_as(SYNC, batch_id).await
    }

    /// GetBatch as `identity`.
    pub async fn get_batch_as(
        &self,
        identity: &str,
        batch_id: &str,
    ) -> Result<pb::SyncReport, tonic::Status> {
        TaxSyncServiceClient::new(self.connection(identity).await)
            .get_batch(pb::GetBatchRequest {
                batch_id: batch_id.into(),
            })
            .await
            .map(tonic::Response::into_inner)
    }

    pub async fn metrics(&self) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(self.metrics_addr)
            .await
            .unwrap();
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        response
    }

    /// Signals shutdown and waits for the server to return.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let _ = self.shutdown.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap()
    }
}

/// Runs a PDF tool on `pdf` and returns its stdout; fails the test if the tool fails.
pub fn pdf_tool(tool: &str, args: &[&str], pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("certificate.pdf");
    std::fs::write(&path, pdf).unwrap();
    let output = std::process::Command::new(tool)
        .args(args)
        .arg(&path)
        .args(if tool == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| panic!("{tool} is not installed ({e}): run ops/deps.sh"));
    assert!(
        output.status.success(),
        "{tool} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}
