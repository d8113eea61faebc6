//! `kofu sync gen | push | status`: the tax system's side of the nightly sync — write a batch file
//! of a synthetic municipality, stream one to kofu over mutual TLS, ask for a batch's outcome.

use super::{ConfigArg, Population, ServerArg, clock, extraction_time};
use crate::tools::sync_client::{self, FileHeader};
use std::path::PathBuf;
use std::process::ExitCode;

/// The tax system's nightly sync: write a batch file, push it, ask for a batch's outcome.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Write a batch file (JSON Lines, docs/sync-format.md) of a synthetic municipality.
    Gen {
        /// The configuration file to read.
        #[command(flatten)]
        config: ConfigArg,
        /// How many residents, which seed, municipality and newest fiscal year.
        #[command(flatten)]
        population: Population,
        /// Defaults to "synthetic-<time>".
        #[arg(long)]
        batch_id: Option<String>,
        /// Where to write the batch file.
        #[arg(long, default_value = "out/batch.jsonl")]
        out: PathBuf,
    },
    /// Stream a batch file to kofu over mutual TLS, as the nightly job does; exits 1 unless applied.
    Push {
        /// The configuration file to read.
        #[command(flatten)]
        config: ConfigArg,
        /// How to reach kofu.
        #[command(flatten)]
        server: ServerArg,
        /// Send the file under this batch id instead of its header's.
        #[arg(long)]
        batch_id: Option<String>,
        /// The batch file (JSON Lines) to send.
        file: PathBuf,
    },
    /// Ask kofu for the outcome of a batch sent earlier.
    Status {
        /// The configuration file to read.
        #[command(flatten)]
        config: ConfigArg,
        /// How to reach kofu.
        #[command(flatten)]
        server: ServerArg,
        /// The batch id given when the batch was sent.
        batch_id: String,
    },
}

/// Runs the command; `push` fails the process unless the batch is applied.
pub async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Gen {
            config,
            population,
            batch_id,
            out,
        } => {
            let settings = config.load()?;
            let (m, year) = population.resolve(&settings)?;
            let now = extraction_time(clock(&settings).now(), year);
            let header = FileHeader {
                batch_id: batch_id.unwrap_or_else(|| format!("synthetic-{}", now.timestamp())),
                municipality_code: m.code.to_string(),
                mode: "full".into(),
                extracted_at: now,
            };
            if let Some(dir) = out.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let started = std::time::Instant::now();
            let count = sync_client::write_batch_file(&out, &header, population.records(m, year))?;
            println!(
                "wrote batch {} ({count} records, fiscal years {}..={year}) to {} in {:.1?}",
                header.batch_id,
                year - 3,
                out.display(),
                started.elapsed()
            );
        }
        Command::Push {
            config,
            server,
            batch_id,
            file,
        } => {
            let channel = server.connect(&config.load()?, "sync").await?;
            let started = std::time::Instant::now();
            let report = sync_client::push(channel, &file, batch_id).await?;
            let seconds = started.elapsed().as_secs_f64();
            println!("{}", sync_client::describe(&report));
            let records = sync_client::records_counted(&report);
            println!(
                "{records} records in {seconds:.1} s: {:.0} records/s",
                records as f64 / seconds
            );
            if !sync_client::is_applied(&report) {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Status {
            config,
            server,
            batch_id,
        } => {
            let channel = server.connect(&config.load()?, "sync").await?;
            let report = sync_client::batch_status(channel, batch_id).await?;
            println!("{}", sync_client::describe(&report));
        }
    }
    Ok(ExitCode::SUCCESS)
}
