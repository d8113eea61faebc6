//! `kofu audit verify | purge`: the auditor's tools over the hash-chained audit trail.

use super::{ConfigArg, clock, migrated_pool};
use crate::db::audit::ChainCheck;
use crate::domain::lg_code::LgCode;
use chrono::Datelike;
use std::process::ExitCode;

/// The audit trail: verify its hash chain, purge entries past retention.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Walk every chain (one per municipality, and one for calls that named none), or only one
    /// municipality's; exits 1 and names the first bad entry if anything was changed or deleted.
    Verify {
        /// The configuration file to read.
        #[command(flatten)]
        config: ConfigArg,
        /// Verify only this municipality's chain (地方公共団体コード, six digits).
        #[arg(long)]
        municipality: Option<String>,
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
        Command::Verify { config, .. } | Command::Purge { config, .. } => config,
    };
    let settings = config.load()?;
    let pool = migrated_pool(&settings, 1).await?;
    let client = pool.get().await.map_err(crate::db::DbError::from)?;
    match command {
        Command::Verify { municipality, .. } => {
            let only = municipality
                .map(|code| {
                    LgCode::parse(&code).map_err(|e| anyhow::anyhow!("--municipality {code}: {e}"))
                })
                .transpose()?
                .map(|code| code.to_string());
            let reports = crate::db::audit::verify(&client, only.as_deref()).await?;
            let (mut total, mut broken) = (0, false);
            for report in &reports {
                let chain = chain_name(&report.chain);
                match &report.check {
                    ChainCheck::Intact { entries } => {
                        total += entries;
                        println!("chain {chain}: intact, {entries} entries");
                    }
                    ChainCheck::Broken { seq, reason } => {
                        broken = true;
                        println!("chain {chain}: BROKEN at entry {seq}: {reason}");
                    }
                }
            }
            if broken {
                println!("audit trail BROKEN: see the chains above");
                return Ok(ExitCode::FAILURE);
            }
            println!(
                "audit trail intact: {total} entries verified in {} chains",
                reports.len()
            );
        }
        Command::Purge {
            retention_years, ..
        } => {
            let now = clock(&settings).now();
            let before = now
                .with_year(now.year() - retention_years as i32)
                .unwrap_or(now)
                .to_utc();
            let deleted =
                crate::db::audit::purge(&client, before, now.to_utc(), "kofu audit purge").await?;
            println!("purged {deleted} audit entries older than {before}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A chain as an auditor reads it.
fn chain_name(chain: &str) -> String {
    if chain == crate::db::audit::NO_MUNICIPALITY {
        "(no municipality)".to_owned()
    } else {
        chain.to_owned()
    }
}
