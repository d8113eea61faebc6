//! `kofu report fees`: the fee settlement as CSV, per day (Japan time), municipality, kind and
//! kiosk operator. Voided certificates are not charged; unconfirmed prints wait.
//!
//! `kofu report unprintable`: the residents whose name, reading or an address cannot print in
//! full, by 宛名番号, field and reason, and today's kiosk requests turned away because a
//! certificate could not print. It lists personal identifiers, so running it is audited first.

use super::{ConfigArg, clock, migrated_pool, pick_municipality};
use crate::db::audit::AuditEntry;
use crate::db::issuance::FeeLine;
use crate::db::printability::{PrintRefusal, ScanSummary};
use crate::domain::printability::Unprintable;
use anyhow::Context;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Reports for the municipality's accounts and its tax office.
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
    /// The residents whose name, reading or an address cannot print in full (by 宛名番号, field
    /// and reason, as the scan after the last applied sync batch found them), and today's kiosk
    /// requests turned away because a certificate could not print. Audited.
    Unprintable {
        /// The configuration file to read.
        #[command(flatten)]
        config: ConfigArg,
        /// 地方公共団体コード of the municipality, e.g. 131041.
        #[arg(long)]
        municipality: String,
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
    match command {
        Command::Fees {
            config,
            from,
            to,
            out,
        } => fees(config, from, to, out).await,
        Command::Unprintable {
            config,
            municipality,
        } => unprintable(config, &municipality).await,
    }
}

async fn fees(
    config: ConfigArg,
    from: NaiveDate,
    to: NaiveDate,
    out: Option<PathBuf>,
) -> anyhow::Result<()> {
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

/// Who runs the report, as the operating system knows them, for its audit entry.
fn operator() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned())
}

async fn unprintable(config: ConfigArg, municipality: &str) -> anyhow::Result<()> {
    let settings = config.load()?;
    let m = pick_municipality(&settings, Some(municipality))?;
    let now = clock(&settings).now();
    let day_start = now
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_local_timezone(crate::clock::japan())
        .single()
        .expect("Japan has no DST");
    let pool = migrated_pool(&settings, 1).await?;
    let client = pool.get().await.map_err(crate::db::DbError::from)?;
    let scan = crate::db::printability::latest_scan(&client, m.code).await?;
    let findings = crate::db::printability::findings(&client, m.code).await?;
    let refusals = crate::db::printability::refusals(
        &client,
        m.code,
        day_start.to_utc(),
        (day_start + chrono::Duration::days(1)).to_utc(),
    )
    .await?;
    // The list names people by 宛名番号: it is shown only once its reading is on the record.
    crate::db::audit::append(
        &client,
        &m.code.to_string(),
        &AuditEntry {
            at: now.to_utc(),
            client_identity: "kofu report unprintable".into(),
            action: "ReportUnprintable".into(),
            lg_code: m.code.to_string(),
            request: serde_json::json!({ "operator": operator(), "day": now.date_naive() }),
            outcome: format!(
                "listed:{} refusals:{}",
                scan.as_ref().map_or(0, |s| s.unprintable),
                refusals.len()
            ),
            certificate_number: None,
            pdf_sha256: None,
        },
    )
    .await
    .context("the report is audited before it is shown, and the audit entry was not written")?;
    print!(
        "{}",
        unprintable_report(
            &format!("{} ({})", m.name, m.code),
            scan.as_ref(),
            &findings,
            now.date_naive(),
            &refusals
        )
    );
    Ok(())
}

fn japan(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&crate::clock::japan())
}

/// The text of `kofu report unprintable`: the scan's findings, then the day's print refusals.
pub fn unprintable_report(
    municipality: &str,
    scan: Option<&ScanSummary>,
    findings: &[Unprintable],
    day: NaiveDate,
    refusals: &[PrintRefusal],
) -> String {
    let mut out = String::new();
    let code_point = |c: Option<u32>| c.map_or(String::new(), |c| format!("U+{c:04X}"));
    match scan {
        None => {
            let _ = writeln!(
                out,
                "{municipality}: no printability scan has run yet; one runs after every applied sync batch"
            );
        }
        Some(scan) => {
            let _ = writeln!(
                out,
                "{municipality}: {} residents cannot print in full \
                 (scan after batch {} at {}: {} residents, {} texts checked)",
                scan.unprintable,
                scan.batch_id,
                japan(scan.finished_at).format("%Y-%m-%d %H:%M:%S"),
                scan.residents,
                scan.texts
            );
            if !findings.is_empty() {
                let _ = writeln!(
                    out,
                    "{:<16} {:<28} {:<11} {:<22} code_point",
                    "addressee_no", "field", "fiscal_year", "reason"
                );
            }
            for u in findings {
                let _ = writeln!(
                    out,
                    "{:<16} {:<28} {:<11} {:<22} {}",
                    u.addressee_no,
                    u.field.code(),
                    u.fiscal_year.map_or(String::new(), |y| y.to_string()),
                    u.problem.code(),
                    code_point(u.problem.code_point())
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "\n{} kiosk requests turned away on {day} because a certificate could not print",
        refusals.len()
    );
    if !refusals.is_empty() {
        let _ = writeln!(
            out,
            "{:<8} {:<16} {:<16} {:<20} {:<4} {:<26} {:<22} {:<10} request_id",
            "time", "addressee_no", "action", "kind", "year", "field", "reason", "code_point"
        );
    }
    for r in refusals {
        let _ = writeln!(
            out,
            "{:<8} {:<16} {:<16} {:<20} {:<4} {:<26} {:<22} {:<10} {}",
            japan(r.refused_at).format("%H:%M:%S"),
            r.addressee_no,
            r.action,
            r.kind.map_or("", |k| k.code()),
            r.fiscal_year.map_or(String::new(), |y| y.to_string()),
            r.field.code(),
            r.problem.code(),
            code_point(r.problem.code_point()),
            r.request_id.as_deref().unwrap_or("")
        );
    }
    out
}
