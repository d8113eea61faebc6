//! `kofu report fees`: the fee settlement as CSV, per day (Japan time), municipality, kind and
//! kiosk operator. Voided certificates are not charged; unconfirmed prints wait.

use super::{ConfigArg, migrated_pool};
use crate::db::issuance::FeeLine;
use anyhow::Context;
use chrono::NaiveDate;
use std::path::PathBuf;

/// Reports for the municipality's accounts.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Fee settlement as CSV: per day (Japan time), municipality, kind and kiosk operator, the
    /// certificates printed, copies and yen. Voided certificates are not charged.
    Fees {
        /// The configuration file to read.
        #[command(flatten)]
        config: ConfigArg,
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: NaiveDate,
        /// Last day, YYYY-MM-DD, included.
        #[arg(long)]
        to: NaiveDate,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// The CSV of `lines`, with its header.
pub fn fee_csv(lines: &[FeeLine]) -> String {
    let mut csv =
        String::from("municipality_code,date,kind,operator_code,certificates,copies,fee_yen\n");
    for l in lines {
        csv.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            l.lg_code, l.day, l.kind, l.operator_code, l.certificates, l.copies, l.fee_yen
        ));
    }
    csv
}

/// Writes the report to `out` or standard output.
pub async fn run(command: Command) -> anyhow::Result<()> {
    let Command::Fees {
        config,
        from,
        to,
        out,
    } = command;
    anyhow::ensure!(from <= to, "--from must not be after --to");
    let pool = migrated_pool(&config.load()?, 1).await?;
    let client = pool.get().await.map_err(crate::db::DbError::from)?;
    let csv = fee_csv(&crate::db::issuance::fee_lines(&client, from, to).await?);
    match out {
        Some(path) => {
            std::fs::write(&path, csv).with_context(|| format!("writing {}", path.display()))?;
        }
        None => print!("{csv}"),
    }
    Ok(())
}
