//! Building and running the server. `App::build` does everything that can fail — checks the
//! database schema, loads fonts and seals once, reads the TLS files, binds the gRPC and metrics
//! listeners, builds the services — so that `App::run_until` only serves, until a shutdown future
//! completes, then drains in-flight calls.

use crate::clock::Clock;
use crate::config::{Role, Settings};
use crate::db;
use crate::grpc::admission::Admission;
use crate::grpc::auth::Authorizer;
use crate::grpc::call::Books;
use crate::grpc::issuance::IssuanceApi;
use crate::grpc::pb;
use crate::grpc::pb::certificate_verification_service_server::CertificateVerificationServiceServer;
use crate::grpc::pb::issuance_service_server::IssuanceServiceServer;
use crate::grpc::pb::tax_sync_service_server::TaxSyncServiceServer;
use crate::grpc::sync::TaxSyncApi;
use crate::grpc::verification::VerificationApi;
use crate::metrics::Metrics;
use crate::pdf::{FontPaths, Renderer, Seal, SealError};
use crate::service::audit::Audit;
use crate::service::issuance::IssuanceService;
use crate::service::printability::PrintScan;
use crate::service::printer::Printer;
use crate::service::sync::SyncService;
use anyhow::Context;
use deadpool_postgres::Pool;
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Server, ServerTlsConfig};

/// A server ready to run: listeners bound, database checked, fonts and seals loaded, TLS
/// configured, services built.
pub struct App {
    pool: Pool,
    metrics: Metrics,
    grpc_listener: TcpListener,
    metrics_listener: TcpListener,
    tls: ServerTlsConfig,
    issuance: Arc<IssuanceService>,
    sync: Arc<SyncService>,
    books: Books,
    admission: Admission,
    audit: Audit,
    clock: Clock,
    shed_summary: Duration,
    authorizer: Authorizer,
    shutdown_grace: Duration,
}

impl App {
    /// Builds everything the server needs, failing early (bad database, fonts, seal images,
    /// certificates, busy ports) rather than on the first request.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        settings.validate()?;
        let pool = db::pool(
            settings.database.url.expose(),
            settings.database.pool_size,
            Duration::from_millis(settings.database.wait_timeout_ms),
        )?;
        let metrics = Metrics::new();
        let chains = Audit::chains_for(settings.municipalities.iter().map(|m| m.code));
        {
            let client = pool
                .get()
                .await
                .map_err(db::DbError::from)
                .context("connecting to the database")?;
            db::migrate::ensure_current(&client).await?;
            db::audit::ensure_chains(&client, &chains).await?;
            if db::statistics::analyze_if_missing(&client).await? {
                tracing::info!("synced tables had no planner statistics; analyzed them");
            }
            for (lg_code, at) in db::sync::last_applied(&client).await? {
                metrics.set_sync_applied(&lg_code, at);
            }
            for (lg_code, residents) in db::printability::unprintable_counts(&client).await? {
                metrics.set_unprintable(&lg_code, residents);
            }
        }
        let renderer = Arc::new(
            Renderer::new(&FontPaths {
                primary: settings.fonts.primary.clone(),
                fallback: settings.fonts.fallback.clone(),
            })
            .context("loading fonts")?,
        );
        let seals = settings
            .municipalities
            .iter()
            .map(|m| Ok((m.code, Seal::load(m.seal_image.as_deref(), &m.seal_text)?)))
            .collect::<Result<HashMap<_, _>, SealError>>()?;
        for m in &settings.municipalities {
            check_wording(&renderer, m, &seals[&m.code])?;
        }
        let tls = crate::tls::server_config(
            &settings.tls.cert,
            &settings.tls.key,
            &settings.tls.client_ca,
        )?;
        let clock = Clock::from_setting(settings.clock.fixed_now);
        if let Clock::Fixed(at) = clock {
            tracing::warn!(clock.fixed_now = %at, "the clock is fixed by configuration");
        }
        let grpc_listener = TcpListener::bind(settings.server.grpc_addr)
            .await
            .with_context(|| format!("binding gRPC to {}", settings.server.grpc_addr))?;
        let metrics_listener = TcpListener::bind(settings.server.metrics_addr)
            .await
            .with_context(|| format!("binding metrics to {}", settings.server.metrics_addr))?;

        let settings = Arc::new(settings);
        let audit = Audit::start(pool.clone(), &chains, metrics.clone());
        let books = Books::new(audit.clone(), metrics.clone(), clock);
        let admission = Admission::new(settings.server.max_in_flight, metrics.clone());
        let shed_summary = Duration::from_secs(settings.server.shed_summary_seconds);
        admission.summarise_every(shed_summary, audit.clone(), clock);
        let printer = Arc::new(Printer::new(
            renderer.clone(),
            seals,
            Printer::slots_for_this_machine(),
            metrics.clone(),
        ));
        Ok(Self {
            issuance: Arc::new(IssuanceService::new(
                pool.clone(),
                printer,
                settings.clone(),
                clock,
                audit.clone(),
            )),
            sync: Arc::new(
                SyncService::new(pool.clone(), settings.clone(), clock).with_scan(PrintScan::new(
                    pool.clone(),
                    renderer,
                    metrics.clone(),
                    clock,
                )),
            ),
            authorizer: Authorizer::new(settings.clients.clone(), Some(books.clone())),
            books,
            admission,
            audit,
            clock,
            shed_summary,
            shutdown_grace: Duration::from_secs(settings.server.shutdown_grace_seconds),
            pool,
            metrics,
            grpc_listener,
            metrics_listener,
            tls,
        })
    }

    /// The bound gRPC address (port 0 in tests becomes a real port here).
    pub fn grpc_addr(&self) -> SocketAddr {
        self.grpc_listener.local_addr().expect("bound listener")
    }

    /// The bound metrics address.
    pub fn metrics_addr(&self) -> SocketAddr {
        self.metrics_listener.local_addr().expect("bound listener")
    }

    /// Serves until `shutdown` completes, then stops accepting, lets in-flight calls finish for up
    /// to `server.shutdown_grace_seconds`, and returns.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let authorizer = &self.authorizer;
        let any_role: &'static [Role] = &[Role::Relay, Role::Sync, Role::Ops];

        let (health_reporter, health_service) = tonic_health::server::health_reporter();
        health_reporter
            .set_serving::<IssuanceServiceServer<IssuanceApi>>()
            .await;
        health_reporter
            .set_serving::<TaxSyncServiceServer<TaxSyncApi>>()
            .await;
        let reflection = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .build_v1()?;

        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown.await;
            let _ = stop_tx.send(true);
        });
        let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|stop| *stop).await;
        };

        let metrics_router = axum::Router::new().route(
            "/metrics",
            axum::routing::get({
                let metrics = self.metrics.clone();
                let pool = self.pool.clone();
                move || {
                    let body = metrics.render(&pool);
                    async move {
                        (
                            [("content-type", "text/plain; version=0.0.4; charset=utf-8")],
                            body,
                        )
                    }
                }
            }),
        );
        let metrics_server = axum::serve(self.metrics_listener, metrics_router)
            .with_graceful_shutdown(stopped(stop_rx.clone()));
        let metrics_task = tokio::spawn(async move { metrics_server.await });

        // Without TCP_NODELAY a small response waits on the peer's delayed ACK (~40 ms).
        let incoming = tonic::transport::server::TcpIncoming::from(self.grpc_listener)
            .with_nodelay(Some(true))
            .with_keepalive(Some(Duration::from_secs(60)));
        let grpc = Server::builder()
            .tls_config(self.tls)?
            .add_service(InterceptedService::new(
                health_service,
                authorizer.require("grpc.health.v1.Health", any_role),
            ))
            .add_service(InterceptedService::new(
                reflection,
                authorizer.require("grpc.reflection.v1.ServerReflection", any_role),
            ))
            .add_service(InterceptedService::new(
                IssuanceServiceServer::new(IssuanceApi::new(
                    self.issuance.clone(),
                    self.books.clone(),
                    self.admission.clone(),
                )),
                authorizer.require("kofu.v1.IssuanceService", &[Role::Relay]),
            ))
            .add_service(InterceptedService::new(
                CertificateVerificationServiceServer::new(VerificationApi::new(
                    self.issuance,
                    self.books.clone(),
                )),
                authorizer.require("kofu.v1.CertificateVerificationService", &[Role::Ops]),
            ))
            .add_service(InterceptedService::new(
                TaxSyncServiceServer::new(TaxSyncApi::new(self.sync, self.books))
                    .max_decoding_message_size(16 * 1024 * 1024),
                authorizer.require("kofu.v1.TaxSyncService", &[Role::Sync]),
            ))
            .serve_with_incoming_shutdown(incoming, {
                let rx = stop_rx.clone();
                let reporter = health_reporter.clone();
                async move {
                    stopped(rx).await;
                    reporter
                        .set_not_serving::<IssuanceServiceServer<IssuanceApi>>()
                        .await;
                    tracing::info!("shutting down: draining in-flight calls");
                }
            });
        let grace = self.shutdown_grace;
        tokio::select! {
            result = grpc => result.context("gRPC server")?,
            () = async {
                stopped(stop_rx.clone()).await;
                tokio::time::sleep(grace).await;
            } => tracing::warn!(grace_seconds = grace.as_secs(), "calls still in flight after the grace period; stopping"),
        }
        let _ = metrics_task.await;
        // The calls shed since the last summary, before the pool closes.
        self.admission
            .record_shed(&self.audit, &self.clock, self.shed_summary)
            .await;
        self.pool.close();
        Ok(())
    }
}

/// Completes on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        () = terminate => {},
    }
}

/// Renders the fullest sample page with each kind's title line and note as `m` sets them, so
/// that a title or note the fonts cannot print, or that does not fit its line, stops start-up
/// with the key named instead of refusing every resident who asks for that kind.
fn check_wording(
    renderer: &Renderer,
    m: &crate::config::MunicipalitySettings,
    seal: &Seal,
) -> anyhow::Result<()> {
    use crate::domain::certificate::CertificateKind;
    // 令和10年度 and later print the widest year; an untaxed year the longer default titles.
    for kind in CertificateKind::ALL {
        for taxable in [true, false] {
            let mut document = crate::pdf::sample::sample_document();
            document.title = crate::compose::title_line(kind, m, 2028, taxable);
            document.note = m.policy.notes.of(kind).map(str::to_owned);
            document.seal = seal.clone();
            renderer.render(&document).with_context(|| {
                let key = kind.code().replace('-', "_");
                format!(
                    "municipality {}: the {kind} certificate cannot be printed with \
                     policy.titles.{key} / policy.notes.{key}",
                    m.code
                )
            })?;
        }
    }
    Ok(())
}
