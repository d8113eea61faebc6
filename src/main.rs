//! The `kofu` command: parses the command line and dispatches to [`kofu::cli`], where each
//! command's work lives.

use clap::{Parser, Subcommand};
use kofu::cli;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kofu",
    version,
    about = "Issuing server for kiosk tax certificates (コンビニ交付)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve gRPC over mutual TLS, and Prometheus metrics over HTTP.
    Serve(cli::ConfigArg),
    /// Apply database migrations (idempotent).
    Migrate(cli::ConfigArg),
    /// Write a synthetic municipality into the database through the sync pipeline (a FULL batch
    /// applied in-process), replacing its data.
    Seed(cli::seed::Args),
    /// Play the J-LIS relay: issue certificates over mTLS and write PDFs to a folder.
    RelaySim(cli::relay_sim::Args),
    /// Drive IssueCertificate (or the whole relay flow) at a concurrency or a rate over mTLS and
    /// print latency percentiles, calls/s and every answer as one JSON line.
    Load(cli::load::Args),
    /// Write a development CA, server and client certificates (local use only).
    DevCerts(cli::dev_certs::Args),
    /// Preview a certificate from built-in synthetic data, to check layout, tax names and seal.
    Render(cli::render::Args),
    /// Reports for the municipality's accounts and tax office: fees, residents who cannot print.
    #[command(subcommand)]
    Report(cli::report::Command),
    /// The audit trail: verify its hash chain, purge entries past retention.
    #[command(subcommand)]
    Audit(cli::audit::Command),
    /// The tax system's nightly sync: write a batch file, push it, ask for a batch's outcome.
    #[command(subcommand)]
    Sync(cli::sync::Command),
    /// Purge now what retention no longer keeps (tax data no resident can be offered, issuance
    /// records past retention), for a municipality whose sync is late; recorded and audited.
    Purge(cli::purge::Args),
}

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    kofu::telemetry::init();
    let done = ExitCode::SUCCESS;
    match Cli::parse().command {
        Command::Serve(args) => cli::serve::run(args).await.map(|()| done),
        Command::Migrate(args) => cli::migrate::run(args).await.map(|()| done),
        Command::Seed(args) => cli::seed::run(args).await.map(|()| done),
        Command::RelaySim(args) => cli::relay_sim::run(args).await.map(|()| done),
        Command::Load(args) => cli::load::run(args).await.map(|()| done),
        Command::DevCerts(args) => cli::dev_certs::run(args).map(|()| done),
        Command::Render(args) => cli::render::run(args).map(|()| done),
        Command::Report(command) => cli::report::run(command).await.map(|()| done),
        Command::Audit(command) => cli::audit::run(command).await,
        Command::Sync(command) => cli::sync::run(command).await,
        Command::Purge(args) => cli::purge::run(args).await.map(|()| done),
    }
}
