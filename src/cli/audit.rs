//! `kofu audit verify | purge`: the auditor's tools over the hash-chained audit trail.

use super::{ConfigArg, clock, migrated_pool};
use crate::db::audit::ChainCheck;
use chrono::Datelike;
use std::process::ExitCode;

/// The audit trail: verify its hash chain, purge entries past retention.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Walk the whole chain; exits 1 and names the first bad entry if anything was changed or deleted.
    Verify {
        /// The configuration file to read.
        #[command(flatten)]
        config: ConfigArg,
    },
    /// Delete entries older than the retention period, recording the purge.
    Purge {
        /// The configuration file to read.
        #[command(flatten)]
        config: ConfigArg,
        /// Keep this many years (the legal minimum for access logs is 7).
        #[arg(long, default_value_t = 7)]
        retention_years: u32,
    },
}

/// Runs the command; verification fails the process when the chain is broken.
pub async fn run(command: Command) -> anyhow::Result<ExitCode> {
    let config = match &command {
        Command::Verify { config } | Command::Purge { config, .. } => config,
    };
    let settings = config.load()?;
    let pool = migrated_pool(&settings, 1).await?;
    let mut client = pool.get().await.map_err(crate::db::DbError::from)?;
    match command {
        Command::Verify { .. } => match crate::db::audit::verify(&client).await? {
            ChainCheck::Intact { entries } => {
                println!("audit trail intact: {entries} entries verified");
            }
            ChainCheck::Broken { seq, reason } => {
                println!("audit trail BROKEN at entry {seq}: {reason}");
                return Ok(ExitCode::FAILURE);
            }
        },
        Command::Purge {
            retention_years, ..
        } => {
            let now = clock(&settings).now();
            let before = now
                .with_year(now.year() - retention_years as i32)
                .unwrap_or(now)
                .to_utc();
            let deleted =
                crate::db::audit::purge(&mut client, before, now.to_utc(), "kofu audit purge")
                    .await?;
            println!("purged {deleted} audit entries older than {before}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
