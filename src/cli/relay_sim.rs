//! `kofu relay-sim`: plays the J-LIS relay against a running kofu over mutual TLS, writes some of
//! the PDFs, and reports outcomes and client-side latency.

use super::{ConfigArg, ServerArg, open_year, pick_municipality};
use crate::tools::relay_sim::{self, RelaySimOptions};
use std::path::PathBuf;

/// The simulation's size and where its certificates and PDFs are.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    config: ConfigArg,
    #[command(flatten)]
    server: ServerArg,
    #[arg(long, default_value_t = 1000)]
    residents: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long)]
    municipality: Option<String>,
    /// Fiscal year to ask for; defaults to the newest open today.
    #[arg(long)]
    fiscal_year: Option<i32>,
    /// IssueCertificate calls to make.
    #[arg(long, default_value_t = 1000)]
    requests: usize,
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    #[arg(long, default_value = "out/pdf")]
    out: PathBuf,
    /// How many issued PDFs to write.
    #[arg(long, default_value_t = 20)]
    save: usize,
}

/// Runs the simulation; fails when any call failed or nothing was issued.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let settings = args.config.load()?;
    let m = pick_municipality(&settings, args.municipality.as_deref())?;
    let (ca, cert, key) = args.server.files("relay");
    let report = relay_sim::run(RelaySimOptions {
        server: args.server.url(&settings),
        server_name: "localhost".into(),
        ca,
        cert,
        key,
        municipality: m.into(),
        seed: args.seed,
        residents: args.residents,
        fiscal_year: args.fiscal_year.unwrap_or_else(|| open_year(&settings, m)),
        requests: args.requests,
        concurrency: args.concurrency,
        out_dir: args.out.clone(),
        save: args.save,
    })
    .await?;
    println!(
        "relay-sim: {} calls, {} issued, refused {:?}, errors {:?}",
        report.latencies.len(),
        report.issued,
        report.refused,
        report.errors
    );
    println!(
        "flow: {} ListAvailable, {} retries with identical bytes, {} printed, {} voided (failed prints), {} flow errors",
        report.listed, report.retried_identical, report.printed, report.voided, report.flow_errors
    );
    println!(
        "IssueCertificate latency: p50 {:.2} ms, p99 {:.2} ms (client side, concurrency {})",
        report.percentile(0.50).as_secs_f64() * 1e3,
        report.percentile(0.99).as_secs_f64() * 1e3,
        args.concurrency
    );
    println!(
        "{} PDFs written to {}",
        report.saved.len(),
        args.out.display()
    );
    anyhow::ensure!(
        report.errors.is_empty() && report.flow_errors == 0,
        "some calls failed"
    );
    anyhow::ensure!(report.issued > 0, "no certificate was issued");
    Ok(())
}
