//! Prometheus metrics. One `Metrics` struct owns the registry; every name starts with `kofu_`, and
//! labels carry only bounded, non-personal values (kinds, outcomes, reason codes, municipality codes).

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
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
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("kofu".into()), None).expect("valid prefix");
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
        let metrics = Self {
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
            Box::new(metrics.issuance_seconds.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(metrics.refusals_total.clone()),
            Box::new(metrics.db_pool_size.clone()),
            Box::new(metrics.db_pool_available.clone()),
            Box::new(metrics.db_pool_waiting.clone()),
            Box::new(metrics.db_pool_max.clone()),
            Box::new(metrics.sync_batches_total.clone()),
            Box::new(metrics.sync_records_total.clone()),
            Box::new(metrics.sync_batch_seconds.clone()),
            Box::new(metrics.sync_last_applied_timestamp_seconds.clone()),
        ] {
            metrics
                .registry
                .register(collector)
                .expect("each metric registers once");
        }
        metrics
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
