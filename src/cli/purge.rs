//! `kofu purge --municipality CODE`: the retention purge run now. Normally the first batch
//! applied on or after the last switchover day runs it; this is for a municipality whose nightly
//! sync is late. Recorded like a batch's purge in `retention_purge` (with no batch id) and in the
//! audit trail.

use super::{ConfigArg, clock, migrated_pool, pick_municipality};
use crate::db::audit::AuditEntry;
use crate::db::retention::{PurgedRows, tax_years};
use crate::domain::retention;
use anyhow::Context;

/// Who the audit trail says ran the purge.
pub const OPERATOR: &str = "kofu purge";

/// `kofu purge`: which municipality.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The configuration file to read.
    #[command(flatten)]
    pub config: ConfigArg,
    /// 地方公共団体コード of the municipality to purge, e.g. 131041.
    #[arg(long)]
    pub municipality: String,
}

/// What a purge deleted, in words: "fiscal years [2021] (assessment 2021: 3, …); 2 issuance
/// records".
pub fn summary(purged: &[PurgedRows]) -> String {
    let rows: Vec<String> = purged
        .iter()
        .filter(|p| p.is_tax_data())
        .map(|p| format!("{} {}: {}", p.table, p.fiscal_year, p.rows))
        .collect();
    let issuance: i64 = purged
        .iter()
        .filter(|p| !p.is_tax_data())
        .map(|p| p.rows)
        .sum();
    format!(
        "fiscal years {:?} ({}); {issuance} issuance records",
        tax_years(purged),
        rows.join(", ")
    )
}

/// Purges the municipality's data below today's retention floor and records it.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let settings = args.config.load()?;
    let m = pick_municipality(&settings, Some(&args.municipality))?;
    let now = clock(&settings).now();
    let floor = retention::floor(now.date_naive(), &m.policy);
    let pool = migrated_pool(&settings, 1).await?;
    let mut client = pool.get().await.map_err(crate::db::DbError::from)?;
    let purged = crate::db::retention::purge(&mut client, m.code, &floor).await?;
    let outcome = if purged.is_empty() {
        "nothing to purge".to_owned()
    } else {
        format!("purged; {}", summary(&purged))
    };
    let entry = AuditEntry {
        at: now.to_utc(),
        client_identity: OPERATOR.into(),
        action: "RetentionPurge".into(),
        lg_code: m.code.to_string(),
        request: serde_json::json!({
            "oldest_fiscal_year_kept": floor.oldest_fiscal_year,
            "issued_before": floor.issued_before.to_string(),
        }),
        outcome,
        certificate_number: None,
        pdf_sha256: None,
    };
    crate::db::audit::append(&client, &m.code.to_string(), &entry)
        .await
        .context("the purge is done and recorded in retention_purge, but its audit entry could not be written")?;
    if purged.is_empty() {
        println!(
            "nothing to purge for {} ({}): fiscal years from {} and issuance records from {} are kept",
            m.name, m.code, floor.oldest_fiscal_year, floor.issued_before
        );
    } else {
        println!(
            "purged {} ({}): {}; fiscal years from {} and issuance records from {} are kept",
            m.name,
            m.code,
            summary(&purged),
            floor.oldest_fiscal_year,
            floor.issued_before
        );
    }
    Ok(())
}
