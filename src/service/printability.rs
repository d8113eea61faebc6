//! Whether a certificate can print in full. The same check serves three places: issuance refuses
//! before a certificate number is spent, ListAvailable offers only what would print, and after
//! each applied sync batch [`PrintScan`] checks every resident's name, reading and addresses so
//! that the office can fix the data before anyone is turned away (`kofu report unprintable`, the
//! `kofu_unprintable_residents` gauge).

use crate::clock::Clock;
use crate::db::printability::{PersonTexts, ScanSummary};
use crate::db::{self, DbError};
use crate::domain::lg_code::LgCode;
use crate::domain::printability::{PrintField, PrintProblem, Unprintable};
use crate::metrics::Metrics;
use crate::pdf::{RenderError, Renderer};
use deadpool_postgres::Pool;
use futures_util::TryStreamExt;
use std::sync::Arc;
use std::time::Instant;

/// The problem a render error stands for; `None` for a fault that is not about the data (the
/// font subsetter failing).
pub fn problem(error: &RenderError) -> Option<PrintProblem> {
    match error {
        RenderError::UnprintableCharacter { code_point } => {
            Some(PrintProblem::UnprintableCharacter {
                code_point: *code_point,
            })
        }
        RenderError::DoesNotFit => Some(PrintProblem::DoesNotFit),
        RenderError::Subset(_) | RenderError::Compress => None,
    }
}

/// The first of the person's `texts` that cannot print in full where the person block prints it,
/// and why.
pub fn check_texts<'t>(
    renderer: &Renderer,
    texts: impl IntoIterator<Item = (PrintField, &'t str)>,
) -> Result<(), (PrintField, PrintProblem)> {
    for (field, text) in texts {
        if let Err(error) = renderer.check_person_value(text) {
            if let Some(problem) = problem(&error) {
                return Err((field, problem));
            }
        }
    }
    Ok(())
}

/// Why a scan did not complete.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// Reading the texts or storing the findings failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A checking task panicked or was cancelled.
    #[error("printability check: {0}")]
    Check(#[from] tokio::task::JoinError),
}

/// Rows checked per blocking task: the checks are CPU work and run off the async workers, so a
/// scan never holds up the calls being answered.
const CHUNK: usize = 4096;

/// The printability scan run after every applied batch.
#[derive(Clone)]
pub struct PrintScan {
    pool: Pool,
    renderer: Arc<Renderer>,
    metrics: Metrics,
    clock: Clock,
}

impl PrintScan {
    /// A scan reading and writing through `pool`, checking with `renderer`, counting in `metrics`.
    pub fn new(pool: Pool, renderer: Arc<Renderer>, metrics: Metrics, clock: Clock) -> Self {
        Self {
            pool,
            renderer,
            metrics,
            clock,
        }
    }

    /// Scans the municipality after batch `batch_id` was applied. Never fails: a failure is
    /// logged and counted (`kofu_unprintable_scan_failures_total`), and the batch stays applied.
    pub async fn after_batch(&self, lg_code: LgCode, batch_id: &str) {
        let started = Instant::now();
        let lg = lg_code.to_string();
        match self.scan(lg_code, batch_id).await {
            Ok((summary, stored)) => {
                if stored {
                    self.metrics
                        .set_unprintable(&lg, i64::from(summary.unprintable));
                }
                tracing::info!(
                    sync.batch_id = batch_id,
                    sync.municipality = %lg_code,
                    unprintable.residents = summary.unprintable,
                    unprintable.checked_residents = summary.residents,
                    unprintable.checked_texts = summary.texts,
                    unprintable.stored = stored,
                    unprintable.seconds = started.elapsed().as_secs_f64(),
                    "printability scan finished"
                );
            }
            Err(error) => {
                self.metrics.count_unprintable_scan_failure(&lg);
                tracing::error!(
                    sync.batch_id = batch_id,
                    sync.municipality = %lg_code,
                    error = %error,
                    "printability scan failed; the batch stays applied"
                );
            }
        }
    }

    /// Reads every resident's texts and every assessment's address of `lg_code`, checks them,
    /// and stores the findings unless a scan of newer data was stored meanwhile (the `bool`).
    pub async fn scan(
        &self,
        lg_code: LgCode,
        batch_id: &str,
    ) -> Result<(ScanSummary, bool), ScanError> {
        let mut client = self.pool.get().await.map_err(DbError::from)?;
        let data_as_of = db::printability::database_now(&client).await?;
        let rows = db::printability::texts(&client, lg_code).await?;
        futures_util::pin_mut!(rows);
        let (mut residents, mut texts) = (0i32, 0i32);
        let mut findings = Vec::new();
        let mut chunk = Vec::with_capacity(CHUNK);
        // One chunk is checked while the next is read.
        let mut checking: Option<tokio::task::JoinHandle<Vec<Unprintable>>> = None;
        while let Some(row) = rows.try_next().await? {
            residents += i32::from(row.fiscal_year.is_none());
            texts += row.texts.len() as i32;
            chunk.push(row);
            if chunk.len() == CHUNK {
                if let Some(done) = checking.take() {
                    findings.extend(done.await?);
                }
                checking =
                    Some(self.check(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK))));
            }
        }
        if let Some(done) = checking.take() {
            findings.extend(done.await?);
        }
        findings.extend(self.check(chunk).await?);
        findings.sort_by(|a, b| {
            (&a.addressee_no, a.field, a.fiscal_year).cmp(&(
                &b.addressee_no,
                b.field,
                b.fiscal_year,
            ))
        });
        let mut people: Vec<&str> = findings.iter().map(|u| u.addressee_no.as_str()).collect();
        people.dedup();
        let summary = ScanSummary {
            batch_id: batch_id.to_owned(),
            data_as_of,
            finished_at: self.clock.now().to_utc(),
            residents,
            texts,
            unprintable: people.len() as i32,
        };
        let stored =
            db::printability::replace_findings(&mut client, lg_code, &summary, &findings).await?;
        Ok((summary, stored))
    }

    /// Checks `rows` on a blocking thread.
    fn check(&self, rows: Vec<PersonTexts>) -> tokio::task::JoinHandle<Vec<Unprintable>> {
        let renderer = self.renderer.clone();
        tokio::task::spawn_blocking(move || {
            let mut found = Vec::new();
            for row in rows {
                for (field, text) in &row.texts {
                    if let Err((field, problem)) = check_texts(&renderer, [(*field, text.as_str())])
                    {
                        found.push(Unprintable {
                            addressee_no: row.addressee_no.clone(),
                            field,
                            fiscal_year: row.fiscal_year,
                            problem,
                        });
                    }
                }
            }
            found
        })
    }
}
