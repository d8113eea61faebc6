//! Recording what happens in the audit trail, by group commit. Fail closed: a call is answered
//! only after its entry is committed; when an entry cannot be written the call fails (the relay
//! retries, and issuance is idempotent), so nothing happens unrecorded.
//!
//! Each chain (a municipality served here, or [`NO_MUNICIPALITY`]) has one appender task. Calls
//! hand it their entries; it takes every entry waiting, chains them in memory, writes them with
//! their issuance records in one transaction and one commit, and only then wakes each caller —
//! as PostgreSQL does for its own WAL. Many calls share one commit and one lock of the chain's
//! head instead of queueing on it one by one; the head's row lock still orders appenders of
//! other kofu processes on the same database.

use crate::db::DbError;
use crate::db::audit::{self, Append, Appended, AuditEntry, NO_MUNICIPALITY};
use crate::db::issuance::IssuanceRecord;
use crate::domain::lg_code::LgCode;
use crate::metrics::Metrics;
use deadpool_postgres::Pool;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};

/// Most entries one commit carries; more wait for the next.
const MAX_GROUP: usize = 512;
/// The longest an appender waits for the entries of calls still in flight: tokio's timers tick
/// in milliseconds. A group of 2 became 4–6 at 8–64 callers, and PostgreSQL's CPU per call fell
/// by a sixth.
const GATHER: std::time::Duration = std::time::Duration::from_millis(1);
/// Entries that may wait for an appender before callers wait to hand theirs over.
const QUEUE: usize = 4096;

/// Appends entries to the hash-chained audit trail; cheap to clone.
#[derive(Clone)]
pub struct Audit {
    chains: Arc<HashMap<String, mpsc::Sender<Pending>>>,
}

/// An entry that could not be written: the call it records must fail.
#[derive(Debug, Clone, thiserror::Error)]
#[error("audit entry not written: {0}")]
pub struct Unrecorded(pub Arc<DbError>);

impl From<DbError> for Unrecorded {
    fn from(error: DbError) -> Self {
        Self(Arc::new(error))
    }
}

/// An entry waiting for its commit, and the caller to wake.
struct Pending {
    append: Append,
    handed_at: Instant,
    done: oneshot::Sender<Result<Appended, Unrecorded>>,
}

impl Audit {
    /// The chains a server keeps: one per municipality it serves and one for calls naming none.
    pub fn chains_for(municipalities: impl IntoIterator<Item = LgCode>) -> Vec<String> {
        municipalities
            .into_iter()
            .map(|code| code.to_string())
            .chain([NO_MUNICIPALITY.to_owned()])
            .collect()
    }

    /// Starts one appender per chain in `chain_names` (see [`Audit::chains_for`]), writing through
    /// `pool`. Must run inside the tokio runtime.
    pub fn start(pool: Pool, chain_names: &[String], metrics: Metrics) -> Self {
        let mut chains = HashMap::new();
        for chain in chain_names.iter().cloned() {
            let (sender, receiver) = mpsc::channel(QUEUE);
            tokio::spawn(append_forever(
                pool.clone(),
                chain.clone(),
                receiver,
                metrics.clone(),
            ));
            chains.insert(chain, sender);
        }
        Self {
            chains: Arc::new(chains),
        }
    }

    /// The chain an entry about `lg_code` (as sent) belongs to: the municipality's when it is
    /// served here, else the chain of calls that name none — so no caller can create chains.
    pub fn chain_of<'a>(&self, lg_code: &'a str) -> &'a str {
        if lg_code != NO_MUNICIPALITY && self.chains.contains_key(lg_code) {
            lg_code
        } else {
            NO_MUNICIPALITY
        }
    }

    /// Appends `entry`, returning once it is committed.
    pub async fn record(&self, entry: AuditEntry) -> Result<(), Unrecorded> {
        self.submit(Append {
            entry,
            issuance: None,
        })
        .await
        .map(|_| ())
    }

    /// Stores `record` and appends `entry` (which records it) in one commit. `RequestIdTaken`
    /// when a concurrent request with the same request_id was recorded first: then neither is
    /// written.
    pub async fn record_issuance(
        &self,
        entry: AuditEntry,
        record: IssuanceRecord,
    ) -> Result<Appended, Unrecorded> {
        self.submit(Append {
            entry,
            issuance: Some(record),
        })
        .await
    }

    async fn submit(&self, append: Append) -> Result<Appended, Unrecorded> {
        let chain = self.chain_of(&append.entry.lg_code);
        let stopped =
            || Unrecorded::from(DbError::Connect("the audit appender has stopped".into()));
        let sender = self.chains.get(chain).ok_or_else(stopped)?;
        let (done, answer) = oneshot::channel();
        sender
            .send(Pending {
                append,
                handed_at: Instant::now(),
                done,
            })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// One chain's appender: takes whatever is waiting, commits it as one group, wakes the callers.
async fn append_forever(
    pool: Pool,
    chain: String,
    mut receiver: mpsc::Receiver<Pending>,
    metrics: Metrics,
) {
    let mut waiting = Vec::with_capacity(MAX_GROUP);
    while receiver.recv_many(&mut waiting, MAX_GROUP).await > 0 {
        // While more relay calls are in flight than entries wait here, most of them hand an
        // entry over within a moment: waiting up to GATHER for them lets one commit carry them
        // all (PostgreSQL's commit_delay and commit_siblings, counted with kofu's own in-flight
        // gauge). A lone call never waits.
        let deadline = tokio::time::Instant::now() + GATHER;
        while waiting.len() < MAX_GROUP
            && usize::try_from(metrics.in_flight.get()).unwrap_or(0) > waiting.len()
        {
            let room = MAX_GROUP - waiting.len();
            match tokio::time::timeout_at(deadline, receiver.recv_many(&mut waiting, room)).await {
                Ok(received) if received > 0 => {}
                _ => break,
            }
        }
        let (appends, callers): (Vec<Append>, Vec<_>) = waiting
            .drain(..)
            .map(|p| (p.append, (p.handed_at, p.done)))
            .unzip();
        let written = write_group(&pool, &chain, &appends).await;
        metrics.audit_group_entries.observe(appends.len() as f64);
        match written {
            Ok(outcomes) => {
                for ((handed_at, done), outcome) in callers.into_iter().zip(outcomes) {
                    metrics
                        .audit_append_seconds
                        .observe(handed_at.elapsed().as_secs_f64());
                    // A caller that gave up (its client went away) no longer listens.
                    let _ = done.send(Ok(outcome));
                }
            }
            Err(error) => {
                let error = Unrecorded::from(error);
                for (_, done) in callers {
                    let _ = done.send(Err(error.clone()));
                }
            }
        }
    }
}

async fn write_group(
    pool: &Pool,
    chain: &str,
    appends: &[Append],
) -> Result<Vec<Appended>, DbError> {
    let client = pool.get().await?;
    let written = audit::append_group(&client, chain, appends).await;
    if written.is_err() {
        // Its transaction may still be open or its outcome unknown: never reuse it.
        drop(deadpool_postgres::Object::take(client));
    }
    written
}
