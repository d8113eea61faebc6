//! Overload is answered, not suffered: past `server.max_in_flight` relay calls (IssueCertificate
//! and ListAvailable) in flight, a call is answered RESOURCE_EXHAUSTED at once, before it touches
//! the database, so the calls admitted keep their latency and the relay retries the rest a moment
//! later. ReportPrintResult is never shed: it records what a kiosk did.
//!
//! A shed call writes nothing itself (writing would be the load it sheds); it is counted, and one
//! summary entry per interval (`server.shed_summary_seconds`) records in the audit trail how many
//! calls of each method were shed.

use crate::clock::Clock;
use crate::db::audit::{AuditEntry, NO_MUNICIPALITY};
use crate::metrics::Metrics;
use crate::service::audit::Audit;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::Status;

/// The methods admission applies to, and the index of each one's shed count.
const METHODS: [&str; 2] = ["IssueCertificate", "ListAvailable"];

/// The in-flight limit and the shed counts since the last summary; cheap to clone.
#[derive(Clone)]
pub struct Admission {
    slots: Arc<Semaphore>,
    limit: usize,
    shed_since_summary: Arc<[AtomicU64; 2]>,
    metrics: Metrics,
}

/// An admitted call's slot, given back when the call ends.
pub struct Admitted {
    _slot: OwnedSemaphorePermit,
    metrics: Metrics,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.metrics.in_flight.dec();
    }
}

impl Admission {
    /// Admits at most `limit` calls at once (at least one).
    pub fn new(limit: usize, metrics: Metrics) -> Self {
        let limit = limit.max(1);
        Self {
            slots: Arc::new(Semaphore::new(limit)),
            limit,
            shed_since_summary: Arc::new([AtomicU64::new(0), AtomicU64::new(0)]),
            metrics,
        }
    }

    /// Admits a call to `method` or sheds it with RESOURCE_EXHAUSTED, without waiting.
    pub fn admit(&self, method: &'static str) -> Result<Admitted, Status> {
        let started = Instant::now();
        match self.slots.clone().try_acquire_owned() {
            Ok(slot) => {
                self.metrics
                    .admitted_total
                    .with_label_values(&[method])
                    .inc();
                self.metrics.in_flight.inc();
                Ok(Admitted {
                    _slot: slot,
                    metrics: self.metrics.clone(),
                })
            }
            Err(_) => {
                if let Some(i) = METHODS.iter().position(|m| *m == method) {
                    self.shed_since_summary[i].fetch_add(1, Ordering::Relaxed);
                }
                self.metrics.shed_total.with_label_values(&[method]).inc();
                self.metrics
                    .observe_rpc(method, tonic::Code::ResourceExhausted, started.elapsed());
                Err(Status::resource_exhausted(format!(
                    "the issuing server is answering its limit of {} calls at once; retry in a moment",
                    self.limit
                )))
            }
        }
    }

    /// Appends one summary entry for the calls shed since the last one, if any; returns how many.
    pub async fn record_shed(&self, audit: &Audit, clock: &Clock, interval: Duration) -> u64 {
        let counts: Vec<u64> = self
            .shed_since_summary
            .iter()
            .map(|c| c.swap(0, Ordering::Relaxed))
            .collect();
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return 0;
        }
        let by_method: serde_json::Map<String, serde_json::Value> = METHODS
            .iter()
            .zip(&counts)
            .map(|(m, n)| ((*m).to_owned(), (*n).into()))
            .collect();
        let entry = AuditEntry {
            at: clock.now().to_utc(),
            client_identity: "kofu".into(),
            action: "ShedSummary".into(),
            lg_code: NO_MUNICIPALITY.into(),
            request: serde_json::json!({
                "interval_seconds": interval.as_secs(),
                "shed": by_method,
            }),
            outcome: format!("shed:{total}"),
            certificate_number: None,
            pdf_sha256: None,
        };
        if let Err(error) = audit.record(entry).await {
            // Counted again, so the next summary carries them.
            for (c, n) in self.shed_since_summary.iter().zip(counts) {
                c.fetch_add(n, Ordering::Relaxed);
            }
            tracing::warn!(error = %error, "shed calls not summarised in the audit trail yet");
        }
        total
    }

    /// Summarises shed calls every `interval` until the process ends.
    pub fn summarise_every(&self, interval: Duration, audit: Audit, clock: Clock) {
        let admission = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(interval);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                admission.record_shed(&audit, &clock, interval).await;
            }
        });
    }
}
