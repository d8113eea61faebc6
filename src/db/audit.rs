//! The hash-chained audit trail: append an entry, verify the chain, purge what is past retention.

use super::DbError;
use super::issuance::IssuanceRecord;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio_postgres::types::ToSql;

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

/// The chain of calls that name no municipality served here (and of everything recorded before
/// chains existed).
pub const NO_MUNICIPALITY: &str = "";

/// One entry to append, and the certificate it records when it records a first issuance: the two
/// are committed together or not at all.
#[derive(Debug, Clone)]
pub struct Append {
    /// The entry.
    pub entry: AuditEntry,
    /// The issuance record the entry is about, stored in the same commit.
    pub issuance: Option<IssuanceRecord>,
}

/// What became of one [`Append`] of a committed group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    /// The entry (and its issuance record, if any) is committed at this position of the chain.
    Recorded {
        /// The entry's sequence number in its chain.
        seq: i64,
    },
    /// The issuance record's request_id was already taken (a concurrent retry got there
    /// first): neither the record nor the entry was written.
    RequestIdTaken,
}

const LOCK_HEAD: &str = "SELECT seq, hash FROM audit_head WHERE chain = $1 FOR UPDATE";
const CREATE_HEAD: &str = "INSERT INTO audit_head (chain, seq, hash) VALUES ($1, 0, repeat('0', 64)) ON CONFLICT DO NOTHING";
const INSERT_ISSUANCE: &str = "
    INSERT INTO issuance (lg_code, certificate_number, request_id, request_fingerprint,
        addressee_no, kind, fiscal_year, copies, fee_yen, operator_code, terminal_id,
        client_identity, pdf_sha256, issued_at)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
        $7::int4[], $8::int4[], $9::int4[], $10::text[], $11::text[], $12::text[], $13::text[],
        $14::timestamptz[])
    ON CONFLICT (lg_code, request_id) DO NOTHING
    RETURNING certificate_number";
const INSERT_ENTRIES: &str = "
    INSERT INTO audit_entry (chain, seq, at, client_identity, action, lg_code, request, outcome,
        certificate_number, pdf_sha256, prev_hash, hash)
    SELECT $1::text, * FROM unnest($2::int8[], $3::timestamptz[], $4::text[], $5::text[],
        $6::text[], $7::jsonb[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])";
const UPDATE_HEAD: &str = "UPDATE audit_head SET seq = $2, hash = $3 WHERE chain = $1";

/// Appends `group` to `chain` in one transaction and one commit (group commit), storing each
/// issuance record with its entry. The chain's head row is locked for the transaction, so
/// appenders in other processes wait for it rather than fork the chain.
///
/// Two round trips (statements pipelined): open, lock the head and store the certificates; then
/// write the entries, move the head and commit. On an error the connection is left inside a
/// transaction: the caller must discard it, not return it to the pool.
pub async fn append_group(
    client: &deadpool_postgres::ClientWrapper,
    chain: &str,
    group: &[Append],
) -> Result<Vec<Appended>, DbError> {
    let lock_head = client.prepare_cached(LOCK_HEAD).await?;
    let insert_issuance = client.prepare_cached(INSERT_ISSUANCE).await?;
    let insert_entries = client.prepare_cached(INSERT_ENTRIES).await?;
    let update_head = client.prepare_cached(UPDATE_HEAD).await?;
    let records = IssuanceColumns::new(group.iter().filter_map(|a| a.issuance.as_ref()));

    let chain_param: [&(dyn ToSql + Sync); 1] = [&chain];
    let record_params = records.params();
    let (_, head, stored) = tokio::try_join!(
        client.batch_execute("BEGIN"),
        client.query_opt(&lock_head, &chain_param),
        async {
            if records.is_empty() {
                Ok(Vec::new())
            } else {
                client.query(&insert_issuance, &record_params).await
            }
        },
    )?;
    let head = match head {
        Some(head) => head,
        None => {
            client.execute(CREATE_HEAD, &[&chain]).await?;
            client.query_one(&lock_head, &[&chain]).await?
        }
    };
    let stored: std::collections::HashSet<String> = stored.iter().map(|r| r.get(0)).collect();

    let (mut seq, mut prev): (i64, String) = (head.get(0), head.get(1));
    let mut entries = EntryColumns::default();
    let mut outcomes = Vec::with_capacity(group.len());
    for append in group {
        if let Some(record) = &append.issuance
            && !stored.contains(&record.certificate_number)
        {
            outcomes.push(Appended::RequestIdTaken);
            continue;
        }
        seq += 1;
        // Microsecond precision, as PostgreSQL stores it, so that verification recomputes the
        // same hash.
        let entry = AuditEntry {
            at: DateTime::from_timestamp_micros(append.entry.at.timestamp_micros())
                .unwrap_or(append.entry.at),
            ..append.entry.clone()
        };
        let hash = entry_hash(&prev, seq, &entry);
        entries.push(seq, entry, std::mem::replace(&mut prev, hash.clone()), hash);
        outcomes.push(Appended::Recorded { seq });
    }
    if entries.seq.is_empty() {
        client.batch_execute("COMMIT").await?;
    } else {
        let entry_params = entries.params(&chain);
        let head_params: [&(dyn ToSql + Sync); 3] = [&chain, &seq, &prev];
        tokio::try_join!(
            client.execute(&insert_entries, &entry_params),
            client.execute(&update_head, &head_params),
            client.batch_execute("COMMIT"),
        )?;
    }
    Ok(outcomes)
}

/// Creates the head rows of `chains` that do not exist yet (a chain starts at sequence 0).
pub async fn ensure_chains(
    client: &tokio_postgres::Client,
    chains: &[String],
) -> Result<(), DbError> {
    client
        .execute(
            "INSERT INTO audit_head (chain, seq, hash)
             SELECT c, 0, repeat('0', 64) FROM unnest($1::text[]) AS c ON CONFLICT DO NOTHING",
            &[&chains],
        )
        .await?;
    Ok(())
}

/// Appends one entry to `chain` (for the command-line tools, which write one entry at a time).
pub async fn append(
    client: &deadpool_postgres::ClientWrapper,
    chain: &str,
    entry: &AuditEntry,
) -> Result<i64, DbError> {
    let append = Append {
        entry: entry.clone(),
        issuance: None,
    };
    match append_group(client, chain, std::slice::from_ref(&append)).await {
        Ok(outcomes) => match outcomes.first() {
            Some(Appended::Recorded { seq }) => Ok(*seq),
            _ => Err(DbError::Corrupt("an audit entry was not appended".into())),
        },
        Err(error) => {
            let _ = client.batch_execute("ROLLBACK").await;
            Err(error)
        }
    }
}

/// Issuance records as column arrays, for one INSERT … SELECT FROM unnest.
struct IssuanceColumns {
    lg_code: Vec<String>,
    certificate_number: Vec<String>,
    request_id: Vec<String>,
    request_fingerprint: Vec<String>,
    addressee_no: Vec<String>,
    kind: Vec<String>,
    fiscal_year: Vec<i32>,
    copies: Vec<i32>,
    fee_yen: Vec<i32>,
    operator_code: Vec<String>,
    terminal_id: Vec<String>,
    client_identity: Vec<String>,
    pdf_sha256: Vec<String>,
    issued_at: Vec<DateTime<chrono::FixedOffset>>,
}

impl IssuanceColumns {
    fn new<'a>(records: impl Iterator<Item = &'a IssuanceRecord>) -> Self {
        let mut c = Self {
            lg_code: Vec::new(),
            certificate_number: Vec::new(),
            request_id: Vec::new(),
            request_fingerprint: Vec::new(),
            addressee_no: Vec::new(),
            kind: Vec::new(),
            fiscal_year: Vec::new(),
            copies: Vec::new(),
            fee_yen: Vec::new(),
            operator_code: Vec::new(),
            terminal_id: Vec::new(),
            client_identity: Vec::new(),
            pdf_sha256: Vec::new(),
            issued_at: Vec::new(),
        };
        for r in records {
            c.lg_code.push(r.lg_code.to_string());
            c.certificate_number.push(r.certificate_number.clone());
            c.request_id.push(r.request_id.clone());
            c.request_fingerprint.push(r.request_fingerprint.clone());
            c.addressee_no.push(r.addressee_no.clone());
            c.kind.push(r.kind.code().to_owned());
            c.fiscal_year.push(r.fiscal_year);
            c.copies.push(r.copies);
            c.fee_yen.push(r.fee_yen);
            c.operator_code.push(r.operator_code.clone());
            c.terminal_id.push(r.terminal_id.clone());
            c.client_identity.push(r.client_identity.clone());
            c.pdf_sha256.push(r.pdf_sha256.clone());
            c.issued_at.push(r.issued_at);
        }
        c
    }

    fn is_empty(&self) -> bool {
        self.lg_code.is_empty()
    }

    fn params(&self) -> [&(dyn ToSql + Sync); 14] {
        [
            &self.lg_code,
            &self.certificate_number,
            &self.request_id,
            &self.request_fingerprint,
            &self.addressee_no,
            &self.kind,
            &self.fiscal_year,
            &self.copies,
            &self.fee_yen,
            &self.operator_code,
            &self.terminal_id,
            &self.client_identity,
            &self.pdf_sha256,
            &self.issued_at,
        ]
    }
}

/// Chained entries as column arrays, for one INSERT … SELECT FROM unnest.
#[derive(Default)]
struct EntryColumns {
    seq: Vec<i64>,
    at: Vec<DateTime<Utc>>,
    client_identity: Vec<String>,
    action: Vec<String>,
    lg_code: Vec<String>,
    request: Vec<Value>,
    outcome: Vec<String>,
    certificate_number: Vec<Option<String>>,
    pdf_sha256: Vec<Option<String>>,
    prev_hash: Vec<String>,
    hash: Vec<String>,
}

impl EntryColumns {
    fn push(&mut self, seq: i64, e: AuditEntry, prev_hash: String, hash: String) {
        self.seq.push(seq);
        self.at.push(e.at);
        self.client_identity.push(e.client_identity);
        self.action.push(e.action);
        self.lg_code.push(e.lg_code);
        self.request.push(e.request);
        self.outcome.push(e.outcome);
        self.certificate_number.push(e.certificate_number);
        self.pdf_sha256.push(e.pdf_sha256);
        self.prev_hash.push(prev_hash);
        self.hash.push(hash);
    }

    fn params<'a>(&'a self, chain: &'a &str) -> [&'a (dyn ToSql + Sync); 12] {
        [
            chain,
            &self.seq,
            &self.at,
            &self.client_identity,
            &self.action,
            &self.lg_code,
            &self.request,
            &self.outcome,
            &self.certificate_number,
            &self.pdf_sha256,
            &self.prev_hash,
            &self.hash,
        ]
    }
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

/// One chain's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// The chain: a 地方公共団体コード, or [`NO_MUNICIPALITY`].
    pub chain: String,
    /// What walking it found.
    pub check: ChainCheck,
}

/// Where a chain's walk stands.
struct Walk {
    chain: String,
    expected_seq: i64,
    prev: String,
    entries: i64,
    broken: Option<ChainCheck>,
}

impl Walk {
    fn start(chain: String, anchors: &std::collections::HashMap<String, (i64, String)>) -> Self {
        let (expected_seq, prev) = match anchors.get(&chain) {
            Some((through, hash)) => (through + 1, hash.clone()),
            None => (1, "0".repeat(64)),
        };
        Self {
            chain,
            expected_seq,
            prev,
            entries: 0,
            broken: None,
        }
    }

    fn step(&mut self, row: &tokio_postgres::Row) {
        if self.broken.is_some() {
            return;
        }
        let seq: i64 = row.get(1);
        let broken = |reason: &str| {
            Some(ChainCheck::Broken {
                seq,
                reason: reason.to_owned(),
            })
        };
        if seq != self.expected_seq {
            self.broken = broken("entries are missing before this one");
            return;
        }
        let entry = AuditEntry {
            at: row.get(2),
            client_identity: row.get(3),
            action: row.get(4),
            lg_code: row.get(5),
            request: row.get(6),
            outcome: row.get(7),
            certificate_number: row.get(8),
            pdf_sha256: row.get(9),
        };
        let (stored_prev, stored_hash): (String, String) = (row.get(10), row.get(11));
        if stored_prev != self.prev {
            self.broken = broken("it does not follow the entry before it");
            return;
        }
        if entry_hash(&self.prev, seq, &entry) != stored_hash {
            self.broken = broken("its content was changed after it was written");
            return;
        }
        self.prev = stored_hash;
        self.expected_seq += 1;
        self.entries += 1;
    }

    fn finish(self, head: Option<&(i64, String)>) -> ChainReport {
        let check = match (self.broken, head) {
            (Some(broken), _) => broken,
            (None, None) if self.entries > 0 => ChainCheck::Broken {
                seq: self.expected_seq - 1,
                reason: "the chain's head row was deleted".into(),
            },
            (None, Some((seq, hash))) if *seq != self.expected_seq - 1 || *hash != self.prev => {
                ChainCheck::Broken {
                    seq: self.expected_seq,
                    reason: "the newest entries were deleted".into(),
                }
            }
            (None, _) => ChainCheck::Intact {
                entries: self.entries,
            },
        };
        ChainReport {
            chain: self.chain,
            check,
        }
    }
}

/// Walks every chain (or only `only`), each from its latest purge's anchor to its head,
/// streaming; one report per chain, in chain order.
pub async fn verify(
    client: &tokio_postgres::Client,
    only: Option<&str>,
) -> Result<Vec<ChainReport>, DbError> {
    use futures_util::TryStreamExt;
    let anchors: std::collections::HashMap<String, (i64, String)> = client
        .query(
            "SELECT DISTINCT ON (chain) chain, through_seq, anchor_hash FROM audit_purge
             WHERE $1::text IS NULL OR chain = $1 ORDER BY chain, id DESC",
            &[&only],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2))))
        .collect();
    let mut heads: std::collections::BTreeMap<String, (i64, String)> = client
        .query(
            "SELECT chain, seq, hash FROM audit_head WHERE $1::text IS NULL OR chain = $1",
            &[&only],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2))))
        .collect();
    let rows = client
        .query_raw(
            "SELECT chain, seq, at, client_identity, action, lg_code, request, outcome,
                    certificate_number, pdf_sha256, prev_hash, hash
             FROM audit_entry WHERE $1::text IS NULL OR chain = $1 ORDER BY chain, seq",
            [only],
        )
        .await?;
    futures_util::pin_mut!(rows);
    let mut reports = Vec::new();
    let mut walk: Option<Walk> = None;
    while let Some(row) = rows.try_next().await? {
        let chain: &str = row.get(0);
        if walk.as_ref().is_none_or(|w| w.chain != chain) {
            if let Some(done) = walk.take() {
                let head = heads.remove(&done.chain);
                reports.push(done.finish(head.as_ref()));
            }
            walk = Some(Walk::start(chain.to_owned(), &anchors));
        }
        if let Some(w) = walk.as_mut() {
            w.step(&row);
        }
    }
    if let Some(done) = walk.take() {
        let head = heads.remove(&done.chain);
        reports.push(done.finish(head.as_ref()));
    }
    // Chains with a head and no entries: everything purged, or entries deleted from the start.
    for (chain, head) in heads {
        reports.push(Walk::start(chain, &anchors).finish(Some(&head)));
    }
    reports.sort_by(|a, b| a.chain.cmp(&b.chain));
    Ok(reports)
}

/// Deletes every chain's entries older than `before` and records each chain's purge (with the
/// hash its remaining entries continue from) both in `audit_purge` and as an entry of its own.
/// Returns the entries deleted across chains.
pub async fn purge(
    client: &deadpool_postgres::ClientWrapper,
    before: DateTime<Utc>,
    now: DateTime<Utc>,
    operator: &str,
) -> Result<i64, DbError> {
    let chains: Vec<String> = client
        .query("SELECT chain FROM audit_head ORDER BY chain", &[])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut total = 0;
    for chain in chains {
        let deleted = purge_chain(client, &chain, before, now).await?;
        if let Some((through_seq, deleted)) = deleted {
            total += deleted;
            append(
                client,
                &chain,
                &AuditEntry {
                    at: now,
                    client_identity: operator.to_owned(),
                    action: "AuditPurge".into(),
                    lg_code: chain.clone(),
                    request: serde_json::json!({
                        "before": before.to_rfc3339(),
                        "through_seq": through_seq,
                    }),
                    outcome: format!("purged:{deleted}"),
                    certificate_number: None,
                    pdf_sha256: None,
                },
            )
            .await?;
        }
    }
    Ok(total)
}

/// Purges one chain under its head's lock; the last sequence number deleted and how many.
async fn purge_chain(
    client: &tokio_postgres::Client,
    chain: &str,
    before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Option<(i64, i64)>, DbError> {
    client.batch_execute("BEGIN").await?;
    let result = async {
        client
            .execute(
                "SELECT 1 FROM audit_head WHERE chain = $1 FOR UPDATE",
                &[&chain],
            )
            .await?;
        let last = client
            .query_opt(
                "SELECT seq, hash FROM audit_entry WHERE chain = $1 AND at < $2
                 ORDER BY seq DESC LIMIT 1",
                &[&chain, &before],
            )
            .await?;
        let Some(last) = last else { return Ok(None) };
        let (through_seq, anchor): (i64, String) = (last.get(0), last.get(1));
        let deleted = client
            .execute(
                "DELETE FROM audit_entry WHERE chain = $1 AND seq <= $2",
                &[&chain, &through_seq],
            )
            .await? as i64;
        client
            .execute(
                "INSERT INTO audit_purge (chain, purged_at, before, through_seq, entries, anchor_hash)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[&chain, &now, &before, &through_seq, &deleted, &anchor],
            )
            .await?;
        Ok::<_, DbError>(Some((through_seq, deleted)))
    }
    .await;
    match &result {
        Ok(_) => client.batch_execute("COMMIT").await?,
        Err(_) => client.batch_execute("ROLLBACK").await?,
    }
    result
}
