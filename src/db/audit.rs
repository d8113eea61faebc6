//! The hash-chained audit trail: append an entry, verify the chain, purge what is past retention.

use super::DbError;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// One thing that happened, as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// When it happened (UTC).
    pub at: DateTime<Utc>,
    /// The mTLS client identity (certificate CN or SAN) that called; for a purge, who ran it.
    pub client_identity: String,
    /// e.g. "IssueCertificate", "SyncBatch"
    pub action: String,
    /// 地方公共団体コード the call concerned; empty when none.
    pub lg_code: String,
    /// What was asked, without personal data.
    pub request: Value,
    /// e.g. "issued", "refused:unknown_card", "invalid", "applied"
    pub outcome: String,
    /// The certificate number issued or reported on, if any.
    pub certificate_number: Option<String>,
    /// SHA-256 (hex) of the PDF issued, if any.
    pub pdf_sha256: Option<String>,
}

/// The hash of an entry: SHA-256 over the previous hash and every field, each length-prefixed
/// so that no two different entries serialise alike.
pub fn entry_hash(prev_hash: &str, seq: i64, e: &AuditEntry) -> String {
    let mut hasher = Sha256::new();
    let request = e.request.to_string();
    let at = e.at.timestamp_micros().to_string();
    let seq = seq.to_string();
    for field in [
        prev_hash,
        &seq,
        &at,
        &e.client_identity,
        &e.action,
        &e.lg_code,
        &request,
        &e.outcome,
        e.certificate_number.as_deref().unwrap_or("\u{0}"),
        e.pdf_sha256.as_deref().unwrap_or("\u{0}"),
    ] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Appends `entry` after the chain's head, in one transaction that holds the head's row lock.
pub async fn append(
    client: &mut deadpool_postgres::Object,
    entry: &AuditEntry,
) -> Result<i64, DbError> {
    // Microsecond precision, as PostgreSQL stores it, so that verification recomputes the same hash.
    let entry = AuditEntry {
        at: DateTime::from_timestamp_micros(entry.at.timestamp_micros()).expect("valid time"),
        ..entry.clone()
    };
    let tx = client.transaction().await?;
    let head = tx
        .query_one("SELECT seq, hash FROM audit_head FOR UPDATE", &[])
        .await?;
    let (seq, prev): (i64, String) = (head.get::<_, i64>(0) + 1, head.get(1));
    let hash = entry_hash(&prev, seq, &entry);
    tx.execute(
        "INSERT INTO audit_entry (seq, at, client_identity, action, lg_code, request, outcome,
             certificate_number, pdf_sha256, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &[
            &seq,
            &entry.at,
            &entry.client_identity,
            &entry.action,
            &entry.lg_code,
            &entry.request,
            &entry.outcome,
            &entry.certificate_number,
            &entry.pdf_sha256,
            &prev,
            &hash,
        ],
    )
    .await?;
    tx.execute("UPDATE audit_head SET seq = $1, hash = $2", &[&seq, &hash])
        .await?;
    tx.commit().await?;
    Ok(seq)
}

/// The outcome of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainCheck {
    /// Every entry follows from the one before it and the head matches the last.
    Intact {
        /// Entries verified.
        entries: i64,
    },
    /// The first entry that does not follow from the one before it (edited, inserted, or after
    /// a deletion), or the head disagrees with the last entry (a deletion at the end).
    Broken {
        /// Sequence number of the first bad entry.
        seq: i64,
        /// What is wrong with it, in words.
        reason: String,
    },
}

/// Walks every entry from the latest purge's anchor to the head, streaming.
pub async fn verify(client: &tokio_postgres::Client) -> Result<ChainCheck, DbError> {
    use futures_util::TryStreamExt;
    let anchor = client
        .query_opt(
            "SELECT through_seq, anchor_hash FROM audit_purge ORDER BY id DESC LIMIT 1",
            &[],
        )
        .await?;
    let (mut expected_seq, mut prev): (i64, String) = match anchor {
        Some(row) => (row.get::<_, i64>(0) + 1, row.get(1)),
        None => (1, "0".repeat(64)),
    };
    let rows = client
        .query_raw(
            "SELECT seq, at, client_identity, action, lg_code, request, outcome,
                    certificate_number, pdf_sha256, prev_hash, hash
             FROM audit_entry ORDER BY seq",
            std::iter::empty::<i64>(),
        )
        .await?;
    futures_util::pin_mut!(rows);
    let mut entries = 0;
    while let Some(row) = rows.try_next().await? {
        let seq: i64 = row.get(0);
        let broken = |reason: &str| ChainCheck::Broken {
            seq,
            reason: reason.to_owned(),
        };
        if seq != expected_seq {
            return Ok(broken("entries are missing before this one"));
        }
        let entry = AuditEntry {
            at: row.get(1),
            client_identity: row.get(2),
            action: row.get(3),
            lg_code: row.get(4),
            request: row.get(5),
            outcome: row.get(6),
            certificate_number: row.get(7),
            pdf_sha256: row.get(8),
        };
        let (stored_prev, stored_hash): (String, String) = (row.get(9), row.get(10));
        if stored_prev != prev {
            return Ok(broken("it does not follow the entry before it"));
        }
        if entry_hash(&prev, seq, &entry) != stored_hash {
            return Ok(broken("its content was changed after it was written"));
        }
        prev = stored_hash;
        expected_seq += 1;
        entries += 1;
    }
    let head = client
        .query_one("SELECT seq, hash FROM audit_head", &[])
        .await?;
    if head.get::<_, i64>(0) != expected_seq - 1 || head.get::<_, String>(1) != prev {
        return Ok(ChainCheck::Broken {
            seq: expected_seq,
            reason: "the newest entries were deleted".into(),
        });
    }
    Ok(ChainCheck::Intact { entries })
}

/// Deletes entries older than `before` and records the purge (with the hash the remaining chain
/// continues from) both in `audit_purge` and as an entry of its own.
pub async fn purge(
    client: &mut deadpool_postgres::Object,
    before: DateTime<Utc>,
    now: DateTime<Utc>,
    operator: &str,
) -> Result<i64, DbError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT 1 FROM audit_head FOR UPDATE", &[])
        .await?;
    let last = tx
        .query_opt(
            "SELECT seq, hash FROM audit_entry WHERE at < $1 ORDER BY seq DESC LIMIT 1",
            &[&before],
        )
        .await?;
    let Some(last) = last else {
        tx.commit().await?;
        return Ok(0);
    };
    let (through_seq, anchor): (i64, String) = (last.get(0), last.get(1));
    let deleted = tx
        .execute("DELETE FROM audit_entry WHERE seq <= $1", &[&through_seq])
        .await? as i64;
    tx.execute(
        "INSERT INTO audit_purge (purged_at, before, through_seq, entries, anchor_hash)
         VALUES ($5, $1, $2, $3, $4)",
        &[&before, &through_seq, &deleted, &anchor, &now],
    )
    .await?;
    tx.commit().await?;
    append(
        client,
        &AuditEntry {
            at: now,
            client_identity: operator.to_owned(),
            action: "AuditPurge".into(),
            lg_code: String::new(),
            request: serde_json::json!({ "before": before.to_rfc3339(), "through_seq": through_seq }),
            outcome: format!("purged:{deleted}"),
            certificate_number: None,
            pdf_sha256: None,
        },
    )
    .await?;
    Ok(deleted)
}
