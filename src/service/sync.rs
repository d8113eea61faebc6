//! The nightly sync: receiving a batch record by record, checking each, loading the valid ones,
//! checking the set, and publishing all or nothing. The gRPC handler drives an [`Upload`]; the
//! `kofu seed` command and tests drive one in-process.

use crate::clock::Clock;
use crate::config::Settings;
use crate::db::sync::{BatchLoad, BatchRow, MAX_LISTED_ERRORS};
use crate::db::{self, DbError};
use crate::domain::caller::Caller;
use crate::domain::lg_code::LgCode;
use crate::domain::retention;
use crate::domain::sync_record::{
    CheckContext, FieldProblem, RecordType, SyncMode, SyncRecord, check,
};
use crate::service::printability::PrintScan;
use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Instant;

/// The first message of a batch: what it is and for whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchHeader {
    /// The tax system's id for the batch; a re-sent batch keeps it, a new batch needs a new one.
    pub batch_id: String,
    /// 地方公共団体コード of the municipality whose data it carries.
    pub lg_code: LgCode,
    /// Full replacement or delta.
    pub mode: SyncMode,
    /// When the tax system extracted the data; no date in the batch may lie after that day (Japan
    /// date).
    pub extracted_at: DateTime<Utc>,
}

/// What became of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchState {
    /// Every record passed and the batch was published.
    Applied,
    /// Something was wrong; nothing of the batch was applied.
    Rejected,
    /// The same batch id with the same content was applied before; nothing was done again.
    AlreadyApplied,
}

impl BatchState {
    /// "applied", "rejected" or "already_applied": the metrics' and logs' code.
    pub fn code(self) -> &'static str {
        match self {
            BatchState::Applied => "applied",
            BatchState::Rejected => "rejected",
            BatchState::AlreadyApplied => "already_applied",
        }
    }
}

/// One problem with one record of a batch, as the report lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecordError {
    /// 1-based position of the record in the batch; for a problem with the whole batch, 0 or the
    /// position the stream had reached.
    pub position: i64,
    /// The record type's name, e.g. "assessment", or "batch".
    pub record_type: String,
    /// The field's path, e.g. "tax.total_yen"; empty when it concerns the whole record.
    pub field: String,
    /// What is wrong, in words; never the value.
    pub problem: String,
}

/// Records received per type, in [`RecordType::ALL`] order.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecordCounts(pub [i64; 8]);

impl RecordCounts {
    /// Records received of `record_type`.
    pub fn get(&self, record_type: RecordType) -> i64 {
        self.0[record_type as usize]
    }
    /// Records received in all.
    pub fn total(&self) -> i64 {
        self.0.iter().sum()
    }
}

/// What kofu tells the sender about a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// The batch's id.
    pub batch_id: String,
    /// Applied, rejected or already applied.
    pub state: BatchState,
    /// Records received per type.
    pub counts: RecordCounts,
    /// Problems found, in position order; at most [`MAX_LISTED_ERRORS`] are listed.
    pub errors: Vec<RecordError>,
    /// Problems found in all, listed or not.
    pub error_count: i64,
    /// Fiscal years of tax data deleted by the retention purge this batch ran (the floor moves
    /// on the last switchover day; see `domain::retention`).
    pub purged_fiscal_years: Vec<i32>,
    /// When the batch was finished (for an already-applied batch: when it was first applied).
    pub finished_at: DateTime<Utc>,
}

/// A batch's recorded outcome and the municipality it was sent for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedReport {
    /// The municipality code the batch named.
    pub lg_code: String,
    /// What happened to it.
    pub report: SyncReport,
}

/// Why a batch could not be received or reported.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The stream does not follow the protocol: the sender must fix its client.
    #[error("{0}")]
    Protocol(String),
    /// The municipality code is valid but not configured on this server.
    #[error("municipality {0} is not served by this kofu server")]
    UnknownMunicipality(LgCode),
    /// GetBatch asked for a batch id that was never received.
    #[error("no batch {0:?} has been received")]
    UnknownBatch(String),
    /// The database failed or holds something unexpected.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Receives batches for the municipalities in its settings.
pub struct SyncService {
    pool: Pool,
    settings: Arc<Settings>,
    clock: Clock,
    /// Checks every resident for printability after each applied batch, when set.
    scan: Option<PrintScan>,
}

impl SyncService {
    /// A service for the municipalities in `settings`, timestamping batches by `clock`.
    pub fn new(pool: Pool, settings: Arc<Settings>, clock: Clock) -> Self {
        Self {
            pool,
            settings,
            clock,
            scan: None,
        }
    }

    /// This service, scanning every resident for printability after each applied batch (the
    /// batch's report waits for it; a failed scan never fails the batch).
    pub fn with_scan(self, scan: PrintScan) -> Self {
        Self {
            scan: Some(scan),
            ..self
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now().to_utc()
    }

    /// Starts receiving a batch announced by `header`, sent by `caller`.
    pub async fn begin(
        &self,
        header: BatchHeader,
        caller: &Caller,
    ) -> Result<Upload<'_>, SyncError> {
        if self.settings.municipality(header.lg_code).is_none() {
            return Err(SyncError::UnknownMunicipality(header.lg_code));
        }
        let client = self.pool.get().await.map_err(DbError::from)?;
        let previous = db::sync::find_batch(&client, &header.batch_id).await?;
        if let Some(previous) = &previous {
            if previous.lg_code != header.lg_code.to_string() && previous.applied {
                return Err(SyncError::Protocol(format!(
                    "batch_id {:?} was already applied for another municipality; use a new batch_id",
                    header.batch_id
                )));
            }
        }
        // A batch applied before is only hashed, to tell a re-send from a reused id.
        let load = match &previous {
            Some(p) if p.applied => None,
            _ => {
                let client = deadpool_postgres::Object::take(client);
                Some(BatchLoad::begin(client, header.lg_code, header.mode).await?)
            }
        };
        Ok(Upload {
            service: self,
            context: CheckContext {
                extracted_on: header
                    .extracted_at
                    .with_timezone(&crate::clock::japan())
                    .date_naive(),
            },
            header,
            caller: caller.identity.clone(),
            started: Instant::now(),
            received_at: self.now(),
            hasher: Sha256::new(),
            counts: RecordCounts::default(),
            errors: Vec::new(),
            error_count: 0,
            position: 0,
            load,
            previous,
        })
    }

    /// Applies a batch from records at hand rather than from the network: `kofu seed` and tests.
    /// Its content hash is that of nothing, so give every such batch a fresh id.
    pub async fn apply(
        &self,
        header: BatchHeader,
        caller: &Caller,
        records: impl IntoIterator<Item = SyncRecord>,
    ) -> Result<SyncReport, SyncError> {
        let mut upload = self.begin(header, caller).await?;
        for record in records {
            upload.record(record.record_type(), Ok(record)).await?;
        }
        let count = upload.position;
        upload.finish(count).await
    }

    /// The recorded outcome of batch `batch_id`.
    pub async fn get_batch(&self, batch_id: &str) -> Result<RecordedReport, SyncError> {
        let client = self.pool.get().await.map_err(DbError::from)?;
        let batch = db::sync::find_batch(&client, batch_id)
            .await?
            .ok_or_else(|| SyncError::UnknownBatch(batch_id.to_owned()))?;
        // A stored shape that no longer reads is corruption to report, not an empty report.
        let corrupt =
            |e: serde_json::Error| DbError::Corrupt(format!("sync_batch {batch_id}: {e}"));
        let errors: Vec<RecordError> = serde_json::from_value(batch.errors).map_err(corrupt)?;
        let stored: StoredCounts = serde_json::from_value(batch.counts).map_err(corrupt)?;
        let report = SyncReport {
            batch_id: batch_id.to_owned(),
            state: if batch.applied {
                BatchState::Applied
            } else {
                BatchState::Rejected
            },
            counts: stored.counts,
            error_count: stored.error_count,
            errors,
            purged_fiscal_years: db::sync::purged_years(&client, batch_id).await?,
            finished_at: batch.finished_at,
        };
        Ok(RecordedReport {
            lg_code: batch.lg_code,
            report,
        })
    }
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct StoredCounts {
    counts: RecordCounts,
    error_count: i64,
}

/// A batch being received.
pub struct Upload<'s> {
    service: &'s SyncService,
    header: BatchHeader,
    context: CheckContext,
    caller: String,
    started: Instant,
    received_at: DateTime<Utc>,
    hasher: Sha256,
    counts: RecordCounts,
    errors: Vec<RecordError>,
    error_count: i64,
    position: i64,
    load: Option<BatchLoad>,
    previous: Option<db::sync::RecordedBatch>,
}

impl Upload<'_> {
    /// Adds the wire bytes of records to the batch's content hash (chunking does not matter:
    /// a chunk's encoding is the concatenation of its records').
    pub fn hash(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
    }

    fn reject(&mut self, position: i64, record_type: &str, problems: Vec<FieldProblem>) {
        for p in problems {
            self.error_count += 1;
            if (self.errors.len() as i64) < MAX_LISTED_ERRORS {
                self.errors.push(RecordError {
                    position,
                    record_type: record_type.to_owned(),
                    field: p.field,
                    problem: p.problem,
                });
            }
        }
    }

    /// The next record of the stream, or the problems found converting it from the wire.
    pub async fn record(
        &mut self,
        record_type: RecordType,
        record: Result<SyncRecord, Vec<FieldProblem>>,
    ) -> Result<(), SyncError> {
        self.position += 1;
        self.counts.0[record_type as usize] += 1;
        let position = self.position;
        let record = match record {
            Ok(record) => record,
            Err(problems) => {
                self.reject(position, record_type.name(), problems);
                return Ok(());
            }
        };
        let mut problems = check(&record, &self.context);
        if self.header.mode == SyncMode::Full && record_type >= RecordType::ResidentDeletion {
            problems.push(FieldProblem::new(
                "",
                "a FULL batch replaces all data and carries no deletions; send deletions in a DELTA batch",
            ));
        }
        if !problems.is_empty() {
            self.reject(position, record_type.name(), problems);
            return Ok(());
        }
        // Valid records are loaded even after an error, so that the set checks can report
        // duplicate keys and missing persons in the same report.
        if let Some(load) = &mut self.load {
            load.write(position, &record).await?;
        }
        Ok(())
    }

    /// The trailer: checks the count, then publishes or rejects the batch.
    pub async fn finish(mut self, trailer_count: i64) -> Result<SyncReport, SyncError> {
        if trailer_count != self.position {
            let message = format!(
                "the trailer counts {trailer_count} records but {} were received; nothing was applied",
                self.position
            );
            self.abandon(&message).await;
            return Err(SyncError::Protocol(message));
        }
        let content_sha256 = hex::encode(self.hasher.clone().finalize());

        if let Some(previous) = self.previous.take().filter(|p| p.applied) {
            let state = if previous.content_sha256 == content_sha256 {
                BatchState::AlreadyApplied
            } else {
                self.reject(
                    0,
                    "batch",
                    vec![FieldProblem::new(
                        "batch_id",
                        "was applied earlier with different content; a new batch needs a new batch_id",
                    )],
                );
                BatchState::Rejected
            };
            return Ok(self.report(state, Vec::new(), previous.finished_at));
        }

        let mut load = self
            .load
            .take()
            .expect("a batch that was not applied is loaded");
        for p in load.check_set().await? {
            self.reject(
                p.position,
                p.record_type.name(),
                vec![FieldProblem::new(p.field, p.problem)],
            );
        }
        self.errors.sort_by_key(|e| e.position);
        if self.error_count > 0 {
            drop(load); // closes the connection: PostgreSQL rolls the batch back
            self.record_rejection(&content_sha256).await?;
            return Ok(self.report(BatchState::Rejected, Vec::new(), self.service.now()));
        }
        let row = self.batch_row(&content_sha256, true);
        // Retention follows the day the batch is applied, by the server's clock.
        let policy = &self
            .service
            .settings
            .municipality(self.header.lg_code)
            .ok_or(SyncError::UnknownMunicipality(self.header.lg_code))?
            .policy;
        let floor = retention::floor(self.service.clock.today(), policy);
        let purged = load.publish(&floor, |_| row).await?;
        let years = db::retention::tax_years(&purged);
        let report = self.report(BatchState::Applied, years, self.service.now());
        if let Some(scan) = &self.service.scan {
            scan.after_batch(self.header.lg_code, &self.header.batch_id)
                .await;
        }
        Ok(report)
    }

    /// The stream broke or was abandoned: nothing is applied, and the batch is recorded as
    /// rejected so that GetBatch can say what happened.
    pub async fn abandon(mut self, why: &str) {
        self.load.take(); // rolls back
        if self.previous.as_ref().is_some_and(|p| p.applied) {
            return;
        }
        self.reject(self.position, "batch", vec![FieldProblem::new("", why)]);
        let sha = hex::encode(self.hasher.clone().finalize());
        if let Err(e) = self.record_rejection(&sha).await {
            tracing::warn!(error = %e, "could not record an abandoned batch");
        }
        self.log_finished(BatchState::Rejected);
    }

    fn batch_row(&self, content_sha256: &str, applied: bool) -> BatchRow {
        BatchRow {
            batch_id: self.header.batch_id.clone(),
            lg_code: self.header.lg_code,
            mode: self.header.mode,
            extracted_at: self.header.extracted_at,
            content_sha256: content_sha256.to_owned(),
            applied,
            counts: serde_json::to_value(StoredCounts {
                counts: self.counts.clone(),
                error_count: self.error_count,
            })
            .expect("counts serialise"),
            errors: serde_json::to_value(&self.errors).expect("errors serialise"),
            client_identity: self.caller.clone(),
            received_at: self.received_at,
        }
    }

    async fn record_rejection(&self, content_sha256: &str) -> Result<(), SyncError> {
        let client = self.service.pool.get().await.map_err(DbError::from)?;
        db::sync::insert_batch(&client, &self.batch_row(content_sha256, false)).await?;
        Ok(())
    }

    fn report(
        &self,
        state: BatchState,
        purged: Vec<i32>,
        finished_at: DateTime<Utc>,
    ) -> SyncReport {
        self.log_finished(state);
        SyncReport {
            batch_id: self.header.batch_id.clone(),
            state,
            counts: self.counts.clone(),
            errors: self.errors.clone(),
            error_count: self.error_count,
            purged_fiscal_years: purged,
            finished_at,
        }
    }

    fn log_finished(&self, state: BatchState) {
        tracing::info!(
            sync.batch_id = %self.header.batch_id,
            sync.municipality = %self.header.lg_code,
            sync.mode = self.header.mode.code(),
            sync.state = state.code(),
            sync.records = self.counts.total(),
            sync.errors = self.error_count,
            sync.seconds = self.started.elapsed().as_secs_f64(),
            "sync batch finished"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// sync_batch.counts and .errors are read back by field name (GetBatch): their shapes are
    /// pinned so that a rename cannot silently empty old reports.
    #[test]
    fn batch_reports_keep_their_stored_shape() {
        let counts = StoredCounts {
            counts: RecordCounts([1, 2, 3, 4, 5, 6, 7, 8]),
            error_count: 9,
        };
        let stored = json!({ "counts": [1, 2, 3, 4, 5, 6, 7, 8], "error_count": 9 });
        assert_eq!(serde_json::to_value(&counts).unwrap(), stored);
        let read: StoredCounts = serde_json::from_value(stored).unwrap();
        assert_eq!((read.counts, read.error_count), (counts.counts, 9));

        let error = RecordError {
            position: 12,
            record_type: "assessment".into(),
            field: "fiscal_year".into(),
            problem: "is outside the years kept".into(),
        };
        let stored = json!([{
            "position": 12, "record_type": "assessment", "field": "fiscal_year",
            "problem": "is outside the years kept"
        }]);
        assert_eq!(serde_json::to_value(vec![error.clone()]).unwrap(), stored);
        assert_eq!(
            serde_json::from_value::<Vec<RecordError>>(stored).unwrap(),
            vec![error]
        );
    }
}
