//! `kofu.v1.TaxSyncService` (role `sync`): the stream protocol of a batch — a header, record
//! chunks, a trailer — driving the sync service's [`Upload`], and `GetBatch`. Record conversion
//! lives in [`super::sync_records`].

use super::call::{Answer, Books};
use super::pb;
use super::sync_records::record_from_wire;
use crate::domain::lg_code::LgCode;
use crate::domain::sync_record::SyncMode;
use crate::service::sync::{BatchHeader, BatchState, SyncError, SyncReport, SyncService, Upload};
use prost::Message;
use std::sync::Arc;
use std::time::Duration;
use tonic::{Request, Response, Status, Streaming};

/// The TaxSyncService handlers.
pub struct TaxSyncApi {
    service: Arc<SyncService>,
    books: Books,
}

impl TaxSyncApi {
    /// Handlers over `service`, keeping their books in `books`.
    pub fn new(service: Arc<SyncService>, books: Books) -> Self {
        Self { service, books }
    }
}

fn protocol(problem: impl Into<String>) -> Status {
    Status::from(SyncError::Protocol(problem.into()))
}

fn header_from_wire(h: &pb::BatchHeader) -> Result<BatchHeader, SyncError> {
    let id_ok = !h.batch_id.is_empty()
        && h.batch_id.len() <= 64
        && h.batch_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    if !id_ok {
        return Err(SyncError::Protocol(
            "header.batch_id must be 1 to 64 characters of 0-9 A-Z a-z _ . -".into(),
        ));
    }
    let lg_code = LgCode::parse(&h.municipality_code)
        .map_err(|e| SyncError::Protocol(format!("header.municipality_code: {e}")))?;
    let mode = match pb::SyncMode::try_from(h.mode) {
        Ok(pb::SyncMode::Full) => SyncMode::Full,
        Ok(pb::SyncMode::Delta) => SyncMode::Delta,
        _ => {
            return Err(SyncError::Protocol(
                "header.mode must be FULL or DELTA".into(),
            ));
        }
    };
    let extracted_at = h
        .extracted_at
        .as_ref()
        .and_then(|t| chrono::DateTime::from_timestamp(t.seconds, t.nanos.max(0) as u32))
        .ok_or_else(|| SyncError::Protocol("header.extracted_at must be set".into()))?;
    Ok(BatchHeader {
        batch_id: h.batch_id.clone(),
        lg_code,
        mode,
        extracted_at,
    })
}

fn report_to_wire(r: SyncReport) -> pb::SyncReport {
    use crate::domain::sync_record::RecordType;
    let c = |t| r.counts.get(t);
    pb::SyncReport {
        batch_id: r.batch_id,
        state: match r.state {
            BatchState::Applied => pb::BatchState::Applied,
            BatchState::Rejected => pb::BatchState::Rejected,
            BatchState::AlreadyApplied => pb::BatchState::AlreadyApplied,
        } as i32,
        counts: Some(pb::RecordCounts {
            residents: c(RecordType::Resident),
            card_links: c(RecordType::CardLink),
            assessments: c(RecordType::Assessment),
            payments: c(RecordType::Payment),
            resident_deletions: c(RecordType::ResidentDeletion),
            card_link_deletions: c(RecordType::CardLinkDeletion),
            assessment_deletions: c(RecordType::AssessmentDeletion),
            payment_deletions: c(RecordType::PaymentDeletion),
        }),
        errors: r
            .errors
            .into_iter()
            .map(|e| pb::RecordError {
                position: e.position,
                record_type: e.record_type,
                field: e.field,
                problem: e.problem,
            })
            .collect(),
        error_count: r.error_count,
        purged_fiscal_years: r.purged_fiscal_years,
        finished_at: Some(prost_types::Timestamp {
            seconds: r.finished_at.timestamp(),
            nanos: 0,
        }),
    }
}

/// What the audit trail records of a finished batch.
fn batch_outcome(report: &SyncReport) -> String {
    match report.state {
        BatchState::Applied if !report.purged_fiscal_years.is_empty() => format!(
            "applied; purged fiscal years {:?}",
            report.purged_fiscal_years
        ),
        state => format!("{}; errors {}", state.code(), report.error_count),
    }
}

/// Receives the records and the trailer of a batch whose header has been read.
async fn receive(
    stream: &mut Streaming<pb::SyncMessage>,
    mut upload: Upload<'_>,
) -> Result<(SyncReport, i64), Status> {
    loop {
        let message = match stream.message().await {
            Ok(Some(message)) => message,
            Ok(None) => {
                let problem = "the stream ended before the BatchTrailer; nothing was applied";
                upload.abandon(problem).await;
                return Err(protocol(problem));
            }
            Err(status) => {
                upload
                    .abandon("the stream broke before the BatchTrailer; nothing was applied")
                    .await;
                return Err(status);
            }
        };
        match message.body {
            Some(pb::sync_message::Body::Chunk(chunk)) => {
                upload.hash(&chunk.encode_to_vec());
                for record in chunk.records {
                    let (record_type, parsed) = record_from_wire(record);
                    upload.record(record_type, parsed).await?;
                }
            }
            Some(pb::sync_message::Body::Trailer(trailer)) => {
                let report = upload.finish(trailer.record_count).await?;
                return Ok((report, trailer.record_count));
            }
            _ => {
                let problem =
                    "after the BatchHeader only RecordChunks and one BatchTrailer may follow";
                upload.abandon(problem).await;
                return Err(protocol(problem));
            }
        }
    }
}

#[tonic::async_trait]
impl pb::tax_sync_service_server::TaxSyncService for TaxSyncApi {
    async fn upload(
        &self,
        request: Request<Streaming<pb::SyncMessage>>,
    ) -> Result<Response<pb::SyncReport>, Status> {
        let (call, mut stream) = self.books.begin("SyncBatch", request)?;
        let header = match stream.message().await {
            Ok(Some(pb::SyncMessage {
                body: Some(pb::sync_message::Body::Header(h)),
            })) => header_from_wire(&h).map_err(Status::from),
            Ok(_) => Err(protocol(
                "the first message of a batch must be its BatchHeader",
            )),
            Err(status) => Err(status),
        };
        let header = match header {
            Ok(header) => header,
            Err(status) => {
                let entry = call.entry("", serde_json::json!({}));
                return call.finish(entry, Err(status)).await;
            }
        };
        let mut entry = call.entry(
            &header.lg_code.to_string(),
            serde_json::json!({ "batch_id": header.batch_id, "mode": header.mode.code() }),
        );
        let (lg_code, mode) = (header.lg_code.to_string(), header.mode);
        let result = match self.service.begin(header, &call.caller).await {
            Ok(upload) => receive(&mut stream, upload).await,
            Err(e) => Err(Status::from(e)),
        };
        let elapsed = call.elapsed();
        let result = match result {
            Ok((report, records)) => {
                entry.request["records"] = records.into();
                let applied_at =
                    (report.state == BatchState::Applied).then_some(report.finished_at);
                call.metrics().observe_sync_batch(
                    &lg_code,
                    mode,
                    report.state.code(),
                    &report.counts.0,
                    applied_at,
                    elapsed,
                );
                let outcome = batch_outcome(&report);
                Ok(Answer::new(report_to_wire(report), outcome))
            }
            Err(status) => {
                // Nothing of a failed batch is applied: it counts as rejected.
                call.metrics().observe_sync_batch(
                    &lg_code,
                    mode,
                    BatchState::Rejected.code(),
                    &[],
                    None,
                    elapsed,
                );
                Err(status)
            }
        };
        let answered = call.finish(entry, result).await;
        if answered.is_ok() {
            // The trailer ends the batch; anything after it is not part of it.
            // A client half-closes after its trailer; one that does not is not waited for long.
            let after = tokio::time::timeout(Duration::from_secs(1), stream.message()).await;
            if let Ok(Ok(Some(_))) = after {
                tracing::warn!("messages after the BatchTrailer were ignored");
            }
        }
        answered
    }

    async fn get_batch(
        &self,
        request: Request<pb::GetBatchRequest>,
    ) -> Result<Response<pb::SyncReport>, Status> {
        let (call, pb::GetBatchRequest { batch_id }) = self.books.begin("GetBatch", request)?;
        let result = self.service.get_batch(&batch_id).await;
        let lg_code = result.as_ref().map_or(String::new(), |r| r.lg_code.clone());
        let entry = call.entry(&lg_code, serde_json::json!({ "batch_id": batch_id }));
        let result = result
            .map(|report| Answer::new(report_to_wire(report.report), "found"))
            .map_err(Status::from);
        call.finish(entry, result).await
    }
}
