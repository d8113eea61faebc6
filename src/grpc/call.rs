//! Per-call bookkeeping, written once for every RPC: who is calling (the [`Caller`] the role
//! check put in the request), the call's audit entry, its latency metric, and its answer. A call
//! is answered only after its entry is in the audit trail (fail closed).
//!
//! A handler begins a [`Call`], builds its entry with [`Call::entry`], runs the service, and ends
//! with [`Call::finish`], giving the message and the outcome to record, or the failure's status.
//! Where a later service must commit the entry together with its own writes, the handler builds
//! the entry here and passes it in.

use crate::clock::Clock;
use crate::db::audit::AuditEntry;
use crate::domain::caller::Caller;
use crate::metrics::Metrics;
use crate::service::audit::Audit;
use std::time::{Duration, Instant};
use tonic::{Request, Response, Status};

/// What every handler needs to keep its books: the audit trail, the metrics and the clock.
#[derive(Clone)]
pub struct Books {
    audit: Audit,
    metrics: Metrics,
    clock: Clock,
}

/// A successful call's reply and the outcome its audit entry records (e.g. "issued",
/// "refused:arrears", "offers:3"). Outcomes are codes, never personal data.
pub struct Answer<R> {
    /// The reply message.
    pub message: R,
    /// What the audit trail records as the outcome.
    pub outcome: String,
}

impl<R> Answer<R> {
    /// `message`, recorded as `outcome`.
    pub fn new(message: R, outcome: impl Into<String>) -> Self {
        Self {
            message,
            outcome: outcome.into(),
        }
    }
}

impl Books {
    /// Books kept in `audit` and `metrics`, timestamped by `clock`.
    pub fn new(audit: Audit, metrics: Metrics, clock: Clock) -> Self {
        Self {
            audit,
            metrics,
            clock,
        }
    }

    /// The metrics, for a handler's own domain metrics (issuance by kind, sync batches).
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Begins the bookkeeping of a call to `method`; returns it with the request's message.
    /// Fails when no role check ran: a service mounted without the interceptor must refuse rather
    /// than answer anonymously.
    pub fn begin<T>(&self, method: &'static str, request: Request<T>) -> Result<(Call, T), Status> {
        let caller = request
            .extensions()
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| Status::permission_denied("no authenticated caller"))?;
        let call = Call {
            caller,
            method,
            started: Instant::now(),
            books: self.clone(),
        };
        Ok((call, request.into_inner()))
    }

    /// A call the role check refused, recorded as a security event. An interceptor cannot wait,
    /// so a task of its own writes the entry.
    pub fn record_denied(&self, identity: String, method: &'static str, outcome: String) {
        let entry = self.entry(identity, method, "", serde_json::json!({}));
        let entry = AuditEntry { outcome, ..entry };
        self.metrics
            .observe_rpc(method, tonic::Code::PermissionDenied, Duration::ZERO);
        let audit = self.audit.clone();
        tokio::spawn(async move {
            if let Err(e) = audit.record(entry).await {
                tracing::error!(error = %e, "refused call not written to the audit trail");
            }
        });
    }

    fn entry(
        &self,
        client_identity: String,
        method: &str,
        lg_code: &str,
        request: serde_json::Value,
    ) -> AuditEntry {
        AuditEntry {
            at: self.clock.now().to_utc(),
            client_identity,
            action: method.to_owned(),
            lg_code: lg_code.to_owned(),
            request,
            outcome: String::new(),
            certificate_number: None,
            pdf_sha256: None,
        }
    }
}

/// One RPC being answered.
pub struct Call {
    /// Who is calling.
    pub caller: Caller,
    method: &'static str,
    started: Instant,
    books: Books,
}

impl Call {
    /// This call's audit entry about municipality `lg_code` (as sent) and what was asked
    /// (`asked`: request ids, kinds, years — never card serials or names). `finish` sets the outcome.
    pub fn entry(&self, lg_code: &str, asked: serde_json::Value) -> AuditEntry {
        self.books
            .entry(self.caller.identity.clone(), self.method, lg_code, asked)
    }

    /// Time since the call began.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// The metrics, for the handler's domain metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.books.metrics
    }

    /// Ends a call whose entry the service committed together with its own writes: only the
    /// latency goes into the metrics.
    pub fn finish_recorded<R>(
        self,
        result: Result<Answer<R>, Status>,
    ) -> Result<Response<R>, Status> {
        let code = result.as_ref().err().map_or(tonic::Code::Ok, Status::code);
        self.books
            .metrics
            .observe_rpc(self.method, code, self.elapsed());
        result.map(|answer| Response::new(answer.message))
    }

    /// Ends the call: the outcome (or the failure's status code) goes into `entry`, the entry
    /// into the audit trail, the latency into the metrics; then the answer goes back. When the
    /// entry cannot be written the call fails with UNAVAILABLE whatever it did.
    pub async fn finish<R>(
        self,
        entry: AuditEntry,
        result: Result<Answer<R>, Status>,
    ) -> Result<Response<R>, Status> {
        let (outcome, result) = match result {
            Ok(answer) => (answer.outcome, Ok(answer.message)),
            Err(status) => (format!("error:{:?}", status.code()), Err(status)),
        };
        let recorded = self
            .books
            .audit
            .record(AuditEntry { outcome, ..entry })
            .await;
        let result = match recorded {
            Ok(()) => result,
            Err(unrecorded) => Err(Status::from(unrecorded)),
        };
        let code = result.as_ref().err().map_or(tonic::Code::Ok, Status::code);
        self.books
            .metrics
            .observe_rpc(self.method, code, self.elapsed());
        result.map(Response::new)
    }
}
