//! `kofu relay-sim`: plays the J-LIS relay against a running kofu over mutual TLS, writes some of
//! the PDFs, and reports outcomes and client-side latency.

use super::{ConfigArg, Residents, ServerArg};
use crate::tools::relay_sim::{self, RelaySimOptions};
use std::path::PathBuf;

/// The simulation's size and where its certificates and PDFs are.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    config: ConfigArg,
    #[command(flatten)]
    server: ServerArg,
    #[command(flatten)]
    residents: Residents,
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
    let (m, fiscal_year) = args.residents.resolve(&settings)?;
    let report = relay_sim::run(RelaySimOptions {
        endpoint: args.server.endpoint(&settings, "relay"),
        municipality: m.into(),
        seed: args.residents.synthetic.seed,
        residents: args.residents.synthetic.residents,
        fiscal_year,
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
