//! Prometheus metrics. One `Metrics` struct owns the registry; every name starts with `kofu_`, and
//! labels carry only bounded, non-personal values (RPC names, status codes, kinds, outcomes,
//! reason codes, municipality codes). The calls' metrics are recorded where a call ends, in
//! `grpc/`; the pool gauges are refreshed on scrape.

use crate::domain::sync_record::{RecordType, SyncMode};
use chrono::{DateTime, Utc};
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};
use std::time::Duration;

/// The registry and every metric kofu exports; cheap to clone (the metrics are shared).
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// Time to answer each RPC, by method and gRPC status code.
    pub rpc_seconds: HistogramVec,
    /// Time to answer IssueCertificate, by certificate kind and outcome (issued, refused, invalid, error).
    pub issuance_seconds: HistogramVec,
    /// Refusals by reason code.
    pub refusals_total: IntCounterVec,
    /// Connections the database pool holds.
    pub db_pool_size: IntGauge,
    /// Idle connections ready in the database pool.
    pub db_pool_available: IntGauge,
    /// Requests waiting for a database connection.
    pub db_pool_waiting: IntGauge,
    /// Maximum connections the database pool may open.
    pub db_pool_max: IntGauge,
    /// Sync batches finished, by municipality and state (applied, rejected, already_applied).
    pub sync_batches_total: IntCounterVec,
    /// Records received in sync batches, by municipality and record type.
    pub sync_records_total: IntCounterVec,
    /// Time from a batch's header to its report, by mode and state.
    pub sync_batch_seconds: HistogramVec,
    /// Unix time of the last applied batch, by municipality: alert when the nightly sync is late.
    pub sync_last_applied_timestamp_seconds: prometheus::GaugeVec,
    /// Residents whose name, reading or an address cannot print in full, by municipality, as the
    /// scan after the last applied batch found them: the office fixes the data before anyone is
    /// turned away at a kiosk.
    pub unprintable_residents: IntGaugeVec,
    /// Printability scans that failed, by municipality (the batch stays applied).
    pub unprintable_scan_failures_total: IntCounterVec,
    /// Time from handing an entry to the audit appender to its commit.
    pub audit_append_seconds: Histogram,
    /// Entries written per audit group commit.
    pub audit_group_entries: Histogram,
    /// Relay calls admitted, by method.
    pub admitted_total: IntCounterVec,
    /// Relay calls shed with RESOURCE_EXHAUSTED at the in-flight limit, by method.
    pub shed_total: IntCounterVec,
    /// Relay calls admitted and not yet answered.
    pub in_flight: IntGauge,
    /// Admitted calls waiting for a rendering slot.
    pub render_waiting: IntGauge,
}

impl Metrics {
    /// A fresh registry with every metric registered.
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("kofu".into()), None).expect("valid prefix");
        let rpc_seconds = HistogramVec::new(
            HistogramOpts::new(
                "rpc_seconds",
                "Time to answer each RPC, by method and gRPC status code.",
            )
            .buckets(vec![
                0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 10.0, 60.0,
                600.0,
            ]),
            &["method", "code"],
        )
        .expect("valid metric");
        let issuance_seconds = HistogramVec::new(
            HistogramOpts::new(
                "issuance_seconds",
                "Time to answer IssueCertificate, by certificate kind and outcome.",
            )
            .buckets(vec![
                0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0,
            ]),
            &["kind", "outcome"],
        )
        .expect("valid metric");
        let refusals_total = IntCounterVec::new(
            Opts::new("refusals_total", "Certificate requests refused, by reason."),
            &["reason"],
        )
        .expect("valid metric");
        let gauge = |name: &str, help: &str| IntGauge::new(name, help).expect("valid metric");
        let sync_batches_total = IntCounterVec::new(
            Opts::new(
                "sync_batches_total",
                "Sync batches finished, by municipality and state.",
            ),
            &["municipality", "state"],
        )
        .expect("valid metric");
        let sync_records_total = IntCounterVec::new(
            Opts::new(
                "sync_records_total",
                "Records received in sync batches, by municipality and record type.",
            ),
            &["municipality", "type"],
        )
        .expect("valid metric");
        let sync_batch_seconds = HistogramVec::new(
            HistogramOpts::new(
                "sync_batch_seconds",
                "Time from a sync batch's header to its report, by mode and state.",
            )
            .buckets(vec![
                0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0,
            ]),
            &["mode", "state"],
        )
        .expect("valid metric");
        let sync_last_applied_timestamp_seconds = prometheus::GaugeVec::new(
            Opts::new(
                "sync_last_applied_timestamp_seconds",
                "Unix time of the last applied sync batch, by municipality.",
            ),
            &["municipality"],
        )
        .expect("valid metric");
        let unprintable_residents = IntGaugeVec::new(
            Opts::new(
                "unprintable_residents",
                "Residents whose name, reading or an address cannot print in full, by municipality.",
            ),
            &["municipality"],
        )
        .expect("valid metric");
        let unprintable_scan_failures_total = IntCounterVec::new(
            Opts::new(
                "unprintable_scan_failures_total",
                "Printability scans after an applied batch that failed, by municipality.",
            ),
            &["municipality"],
        )
        .expect("valid metric");
        let fast_buckets = vec![
            0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 2.0,
        ];
        let audit_append_seconds = Histogram::with_opts(
            HistogramOpts::new(
                "audit_append_seconds",
                "Time from handing an entry to the audit appender to its commit.",
            )
            .buckets(fast_buckets),
        )
        .expect("valid metric");
        let audit_group_entries = Histogram::with_opts(
            HistogramOpts::new(
                "audit_group_entries",
                "Entries written per audit group commit.",
            )
            .buckets(vec![
                1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0,
            ]),
        )
        .expect("valid metric");
        let admitted_total = IntCounterVec::new(
            Opts::new("admitted_total", "Relay calls admitted, by method."),
            &["method"],
        )
        .expect("valid metric");
        let shed_total = IntCounterVec::new(
            Opts::new(
                "shed_total",
                "Relay calls answered RESOURCE_EXHAUSTED at the in-flight limit, by method.",
            ),
            &["method"],
        )
        .expect("valid metric");
        let metrics = Self {
            audit_append_seconds,
            audit_group_entries,
            admitted_total,
            shed_total,
            in_flight: gauge(
                "in_flight_calls",
                "Relay calls admitted and not yet answered.",
            ),
            render_waiting: gauge(
                "render_waiting_calls",
                "Admitted calls waiting for a rendering slot.",
            ),
            rpc_seconds,
            unprintable_residents,
            unprintable_scan_failures_total,
            sync_batches_total,
            sync_records_total,
            sync_batch_seconds,
            sync_last_applied_timestamp_seconds,
            issuance_seconds,
            refusals_total,
            db_pool_size: gauge(
                "db_pool_connections",
                "Connections the database pool holds.",
            ),
            db_pool_available: gauge(
                "db_pool_available_connections",
                "Idle connections ready in the database pool.",
            ),
            db_pool_waiting: gauge(
                "db_pool_waiting_requests",
                "Requests waiting for a database connection.",
            ),
            db_pool_max: gauge(
                "db_pool_max_connections",
                "Maximum connections the database pool may open.",
            ),
            registry,
        };
        for collector in [
            Box::new(metrics.rpc_seconds.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(metrics.issuance_seconds.clone()),
            Box::new(metrics.refusals_total.clone()),
            Box::new(metrics.db_pool_size.clone()),
            Box::new(metrics.db_pool_available.clone()),
            Box::new(metrics.db_pool_waiting.clone()),
            Box::new(metrics.db_pool_max.clone()),
            Box::new(metrics.sync_batches_total.clone()),
            Box::new(metrics.sync_records_total.clone()),
            Box::new(metrics.sync_batch_seconds.clone()),
            Box::new(metrics.sync_last_applied_timestamp_seconds.clone()),
            Box::new(metrics.unprintable_residents.clone()),
            Box::new(metrics.unprintable_scan_failures_total.clone()),
            Box::new(metrics.audit_append_seconds.clone()),
            Box::new(metrics.audit_group_entries.clone()),
            Box::new(metrics.admitted_total.clone()),
            Box::new(metrics.shed_total.clone()),
            Box::new(metrics.in_flight.clone()),
            Box::new(metrics.render_waiting.clone()),
        ] {
            metrics
                .registry
                .register(collector)
                .expect("each metric registers once");
        }
        metrics
    }

    /// One answered RPC.
    pub fn observe_rpc(&self, method: &str, code: tonic::Code, elapsed: Duration) {
        self.rpc_seconds
            .with_label_values(&[method, &format!("{code:?}")])
            .observe(elapsed.as_secs_f64());
    }

    /// One IssueCertificate call, by the kind asked for and its outcome.
    pub fn observe_issuance(&self, kind: &str, outcome: &str, elapsed: Duration) {
        self.issuance_seconds
            .with_label_values(&[kind, outcome])
            .observe(elapsed.as_secs_f64());
    }

    /// One refusal, by its reason code.
    pub fn count_refusal(&self, reason: &str) {
        self.refusals_total.with_label_values(&[reason]).inc();
    }

    /// One finished sync batch: its state and duration; its records by type (`counts` in
    /// [`RecordType::ALL`] order); and, when applied, the time of `applied_at` as the
    /// municipality's last applied batch.
    pub fn observe_sync_batch(
        &self,
        lg_code: &str,
        mode: SyncMode,
        state: &str,
        counts: &[i64],
        applied_at: Option<DateTime<Utc>>,
        elapsed: Duration,
    ) {
        self.sync_batches_total
            .with_label_values(&[lg_code, state])
            .inc();
        self.sync_batch_seconds
            .with_label_values(&[mode.code(), state])
            .observe(elapsed.as_secs_f64());
        for (record_type, &n) in RecordType::ALL.iter().zip(counts) {
            if n > 0 {
                self.sync_records_total
                    .with_label_values(&[lg_code, record_type.name()])
                    .inc_by(n as u64);
            }
        }
        if let Some(at) = applied_at {
            self.set_sync_applied(lg_code, at);
        }
    }

    /// The municipality's last applied batch, also restored from the database at start-up so a
    /// restart never looks like a late sync.
    pub fn set_sync_applied(&self, lg_code: &str, at: DateTime<Utc>) {
        self.sync_last_applied_timestamp_seconds
            .with_label_values(&[lg_code])
            .set(at.timestamp() as f64);
    }

    /// How many of the municipality's residents cannot print, as its latest scan found.
    pub fn set_unprintable(&self, lg_code: &str, residents: i64) {
        self.unprintable_residents
            .with_label_values(&[lg_code])
            .set(residents);
    }

    /// A printability scan of the municipality failed.
    pub fn count_unprintable_scan_failure(&self, lg_code: &str) {
        self.unprintable_scan_failures_total
            .with_label_values(&[lg_code])
            .inc();
    }

    /// Refreshes the pool gauges and renders the text exposition format.
    pub fn render(&self, pool: &deadpool_postgres::Pool) -> String {
        let status = pool.status();
        self.db_pool_size.set(status.size as i64);
        self.db_pool_available.set(status.available as i64);
        self.db_pool_waiting.set(status.waiting as i64);
        self.db_pool_max.set(status.max_size as i64);
        let mut buffer = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buffer)
            .expect("text encoding cannot fail");
        String::from_utf8(buffer).expect("exposition format is UTF-8")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
