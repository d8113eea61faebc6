//! The tax system's side of the nightly sync: `kofu sync gen` writes a batch file of synthetic
//! data, `kofu sync push` streams a batch file to kofu over mutual TLS, as the nightly job would.
//!
//! A batch file is JSON Lines (docs/sync-format.md): a header line, then one record a line.

use crate::domain::sync_record::SyncRecord;
use crate::grpc::pb;
use crate::grpc::pb::tax_sync_service_client::TaxSyncServiceClient;
use crate::grpc::sync_records::record_to_wire;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufWriter, Write};
use std::path::Path;
use tonic::transport::Channel;

/// The first line of a batch file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "header")]
pub struct FileHeader {
    /// The tax system's id for the batch; a new batch needs a new one.
    pub batch_id: String,
    /// 地方公共団体コード, six digits.
    pub municipality_code: String,
    /// "full" or "delta"
    pub mode: String,
    /// RFC 3339, e.g. "2025-11-01T02:00:00+09:00"
    pub extracted_at: chrono::DateTime<chrono::FixedOffset>,
}

/// Records per message: large enough to amortise framing, small enough to keep memory flat.
const CHUNK_RECORDS: usize = 2_000;

/// Writes `header` and `records` as a batch file; returns the number of records.
pub fn write_batch_file(
    path: &Path,
    header: &FileHeader,
    records: impl Iterator<Item = SyncRecord>,
) -> anyhow::Result<u64> {
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    serde_json::to_writer(&mut out, header)?;
    out.write_all(b"\n")?;
    let mut count = 0;
    for record in records {
        serde_json::to_writer(&mut out, &record)?;
        out.write_all(b"\n")?;
        count += 1;
    }
    out.flush()?;
    Ok(count)
}

fn header_to_wire(h: &FileHeader) -> anyhow::Result<pb::BatchHeader> {
    let mode = match h.mode.as_str() {
        "full" => pb::SyncMode::Full,
        "delta" => pb::SyncMode::Delta,
        other => anyhow::bail!("header: mode must be \"full\" or \"delta\", not {other:?}"),
    };
    Ok(pb::BatchHeader {
        batch_id: h.batch_id.clone(),
        municipality_code: h.municipality_code.clone(),
        mode: mode as i32,
        extracted_at: Some(prost_types::Timestamp {
            seconds: h.extracted_at.timestamp(),
            nanos: 0,
        }),
    })
}

/// Streams the batch file at `path` to kofu and returns kofu's report. The file is read and
/// sent chunk by chunk on a separate thread, so memory stays flat whatever its size.
/// `batch_id`, when given, replaces the file's (to re-send a file as a new batch).
pub async fn push(
    channel: Channel,
    path: &Path,
    batch_id: Option<String>,
) -> anyhow::Result<pb::SyncReport> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut lines = std::io::BufReader::with_capacity(1 << 20, file).lines();
    let first = lines
        .next()
        .context("the batch file is empty: its first line must be the header")??;
    let mut header: FileHeader = serde_json::from_str(&first)
        .context("line 1: not a batch header (see docs/sync-format.md)")?;
    if let Some(batch_id) = batch_id {
        header.batch_id = batch_id;
    }
    let header = header_to_wire(&header)?;

    let (tx, rx) = tokio::sync::mpsc::channel::<pb::SyncMessage>(8);
    let reader = std::thread::spawn(move || -> Result<(), ReadError> {
        let send = |body| {
            tx.blocking_send(pb::SyncMessage { body: Some(body) })
                .map_err(|_| ReadError::StreamClosed)
        };
        send(pb::sync_message::Body::Header(header))?;
        let mut chunk = Vec::with_capacity(CHUNK_RECORDS);
        let mut count: i64 = 0;
        for (i, line) in lines.enumerate() {
            let line = line.map_err(|e| ReadError::File(anyhow::Error::from(e)))?;
            if line.trim().is_empty() {
                continue;
            }
            let record: SyncRecord = serde_json::from_str(&line).map_err(|e| {
                ReadError::File(anyhow::anyhow!("line {}: not a sync record: {e}", i + 2))
            })?;
            chunk.push(record_to_wire(&record));
            count += 1;
            if chunk.len() == CHUNK_RECORDS {
                send(pb::sync_message::Body::Chunk(pb::RecordChunk {
                    records: std::mem::take(&mut chunk),
                }))?;
                chunk.reserve(CHUNK_RECORDS);
            }
        }
        if !chunk.is_empty() {
            send(pb::sync_message::Body::Chunk(pb::RecordChunk {
                records: chunk,
            }))?;
        }
        send(pb::sync_message::Body::Trailer(pb::BatchTrailer {
            record_count: count,
        }))?;
        Ok(())
    });
    let response = TaxSyncServiceClient::new(channel)
        .max_decoding_message_size(64 * 1024 * 1024)
        .upload(tokio_stream::wrappers::ReceiverStream::new(rx))
        .await;
    let read = reader
        .join()
        .map_err(|_| anyhow::anyhow!("the batch file reader panicked"))?;
    match (read, response) {
        // A bad line stops the stream before its trailer, so kofu applies nothing; the line is
        // the cause to report.
        (Err(ReadError::File(e)), _) => Err(e.context("nothing was applied")),
        (_, Err(status)) => Err(anyhow::anyhow!(
            "kofu refused the batch: {:?}: {}",
            status.code(),
            status.message()
        )),
        (Ok(()) | Err(ReadError::StreamClosed), Ok(report)) => Ok(report.into_inner()),
    }
}

enum ReadError {
    /// kofu stopped reading; its response says why.
    StreamClosed,
    File(anyhow::Error),
}

/// The recorded outcome of batch `batch_id`, as kofu answers `GetBatch`.
pub async fn batch_status(channel: Channel, batch_id: String) -> anyhow::Result<pb::SyncReport> {
    Ok(TaxSyncServiceClient::new(channel)
        .get_batch(pb::GetBatchRequest { batch_id })
        .await
        .map_err(|s| anyhow::anyhow!("{:?}: {}", s.code(), s.message()))?
        .into_inner())
}

/// Whether kofu holds the batch's data now: applied by this push or an earlier one.
pub fn is_applied(report: &pb::SyncReport) -> bool {
    [
        pb::BatchState::Applied as i32,
        pb::BatchState::AlreadyApplied as i32,
    ]
    .contains(&report.state)
}

/// The records a report counts (deletions aside).
pub fn records_counted(report: &pb::SyncReport) -> i64 {
    report.counts.as_ref().map_or(0, |c| {
        c.residents + c.card_links + c.assessments + c.payments
    })
}

/// Prints a report the way an operator reads it.
pub fn describe(report: &pb::SyncReport) -> String {
    let state = pb::BatchState::try_from(report.state).map_or("UNKNOWN", |s| {
        s.as_str_name().trim_start_matches("BATCH_STATE_")
    });
    let c = report.counts.unwrap_or_default();
    let mut text = format!(
        "batch {}: {state}; residents {}, card links {}, assessments {}, payments {}, deletions {}",
        report.batch_id,
        c.residents,
        c.card_links,
        c.assessments,
        c.payments,
        c.resident_deletions + c.card_link_deletions + c.assessment_deletions + c.payment_deletions
    );
    if !report.purged_fiscal_years.is_empty() {
        text.push_str(&format!(
            "; purged fiscal years {:?} (no longer offered to anyone)",
            report.purged_fiscal_years
        ));
    }
    if report.error_count > 0 {
        text.push_str(&format!("\n{} errors:", report.error_count));
        for e in &report.errors {
            text.push_str(&format!(
                "\n  record {} ({}) {}: {}",
                e.position, e.record_type, e.field, e.problem
            ));
        }
        if report.error_count > report.errors.len() as i64 {
            text.push_str(&format!(
                "\n  … and {} more",
                report.error_count - report.errors.len() as i64
            ));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_line_round_trips() {
        let line = r#"{"type":"header","batch_id":"b1","municipality_code":"131041","mode":"full","extracted_at":"2025-11-01T02:00:00+09:00"}"#;
        let header: FileHeader = serde_json::from_str(line).unwrap();
        assert_eq!(header.batch_id, "b1");
        assert_eq!(serde_json::to_string(&header).unwrap(), line);
        assert!(
            serde_json::from_str::<FileHeader>(r#"{"type":"resident","batch_id":"b1"}"#).is_err()
        );
    }
}
