//! `kofu load`: drives IssuanceService over mutual TLS with the relay's certificate, closed loop
//! (`--concurrency`) or open loop (`--rate`), prints a progress line on stderr once a second and
//! one JSON line on stdout at the end (the fields are [`LoadReport`]'s). Fails when a call failed
//! with anything but RESOURCE_EXHAUSTED or a refusal.

use super::{ConfigArg, Residents, ServerArg};
use crate::domain::certificate::CertificateKind;
use crate::grpc::pb;
use crate::tools::load::{self, Flow, LoadOptions, LoadReport, Mode};
use crate::tools::relay_sim::cards_by_resident;
use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What to send, how fast, and for how long.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    config: ConfigArg,
    #[command(flatten)]
    server: ServerArg,
    /// Without --serials: the synthetic residents whose newest cards to ask for.
    #[command(flatten)]
    residents: Residents,
    /// Card serials, one a line (e.g. `SELECT card_serial FROM card_link`), taken in turn;
    /// without it, each synthetic resident's newest card.
    #[arg(long)]
    serials: Option<PathBuf>,
    /// issue: IssueCertificate alone; relay: ListAvailable → IssueCertificate → ReportPrintResult.
    #[arg(long, value_enum, default_value_t = FlowArg::Issue)]
    flow: FlowArg,
    /// Closed loop: this many callers, each sending its next call when the last one answers
    /// (the default, with 8).
    #[arg(long, conflicts_with = "rate")]
    concurrency: Option<usize>,
    /// Open loop: start this many calls a second on a fixed schedule; latency counts from each
    /// call's scheduled start.
    #[arg(long)]
    rate: Option<f64>,
    /// Open loop: calls in flight at most; a call due beyond it waits and counts as late.
    #[arg(long, default_value_t = 1000, requires = "rate")]
    max_outstanding: usize,
    /// Calls to record (relay flow: residents). Default 1000 unless --duration is given.
    #[arg(long)]
    requests: Option<u64>,
    /// Seconds to start calls for; with --requests, whichever ends first.
    #[arg(long)]
    duration: Option<f64>,
    /// Calls sent first and not recorded.
    #[arg(long, default_value_t = 200)]
    warmup: u64,
    /// HTTP/2 connections to spread the calls over.
    #[arg(long, default_value_t = 1)]
    channels: usize,
    /// income, taxation, income-and-taxation or tax-payment.
    #[arg(long, default_value = "income-and-taxation")]
    kind: String,
    /// A name for the run, copied into the JSON line.
    #[arg(long, default_value = "load")]
    label: String,
    /// No progress lines.
    #[arg(long)]
    quiet: bool,
}

/// `--flow`.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum FlowArg {
    /// IssueCertificate alone.
    Issue,
    /// ListAvailable, IssueCertificate, ReportPrintResult (printed).
    Relay,
}

/// Runs the load, prints its JSON line, and fails if any call failed.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let settings = args.config.load()?;
    let (m, fiscal_year) = args.residents.resolve(&settings)?;
    let kind = CertificateKind::from_code(&args.kind).with_context(|| {
        format!(
            "--kind {}: not income, taxation, income-and-taxation or tax-payment",
            args.kind
        )
    })?;
    let serials = match &args.serials {
        Some(path) => read_serials(path)?,
        None => cards_by_resident(
            args.residents.synthetic.seed,
            &m.into(),
            args.residents.synthetic.residents,
            fiscal_year,
        )
        .into_iter()
        .filter_map(|cards| cards.last().cloned())
        .collect(),
    };
    anyhow::ensure!(
        !serials.is_empty(),
        "no card serials: give --serials FILE or more --residents"
    );
    let mode = match args.rate {
        Some(rate) => {
            anyhow::ensure!(rate > 0.0, "--rate must be above zero");
            Mode::Open {
                rate,
                max_outstanding: args.max_outstanding.max(1),
            }
        }
        None => Mode::Closed {
            concurrency: args.concurrency.unwrap_or(8).max(1),
        },
    };
    let duration = match args.duration {
        Some(s) if s.is_nan() || s <= 0.0 => anyhow::bail!("--duration must be above zero"),
        Some(s) => Some(Duration::from_secs_f64(s)),
        None => None,
    };
    let report = load::run(LoadOptions {
        endpoint: args.server.endpoint(&settings, "relay"),
        channels: args.channels.max(1),
        serials,
        municipality_code: m.code.to_string(),
        kind: wire_kind(kind),
        fiscal_year,
        flow: match args.flow {
            FlowArg::Issue => Flow::Issue,
            FlowArg::Relay => Flow::Relay,
        },
        mode,
        requests: args.requests.or(duration.is_none().then_some(1000)),
        duration,
        warmup: args.warmup,
        label: args.label,
        progress: !args.quiet,
    })
    .await?;
    // Written, not println!: a reader that goes away (`| head`) is an error, not a panic.
    writeln!(
        std::io::stdout().lock(),
        "{}",
        serde_json::to_string(&report)?
    )
    .context("writing the JSON line")?;
    check(&report)
}

/// Card serials from a file, one a line; blank lines are skipped.
fn read_serials(path: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading serials from {}", path.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

fn wire_kind(kind: CertificateKind) -> pb::CertificateKind {
    match kind {
        CertificateKind::Income => pb::CertificateKind::Income,
        CertificateKind::Taxation => pb::CertificateKind::Taxation,
        CertificateKind::IncomeAndTaxation => pb::CertificateKind::IncomeAndTaxation,
        CertificateKind::TaxPayment => pb::CertificateKind::TaxPayment,
    }
}

/// Shed calls and refusals are answers; anything else that failed fails the command.
fn check(report: &LoadReport) -> anyhow::Result<()> {
    let failed = report.failed();
    anyhow::ensure!(
        failed == 0,
        "{failed} calls failed: {:?}",
        report.error_messages
    );
    Ok(())
}
