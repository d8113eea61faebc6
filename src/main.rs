//! The `kofu` command: serve, migrate, seed, relay-sim, dev-certs. Thin: each command parses its
//! flags and calls into the library.

use anyhow::Context;
use clap::{Parser, Subcommand};
use kofu::config::Settings;
use std::path::PathBuf;

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
    Serve {
        #[arg(long, env = "KOFU_CONFIG")]
        config: PathBuf,
    },
    /// Apply database migrations (idempotent).
    Migrate {
        #[arg(long, env = "KOFU_CONFIG")]
        config: PathBuf,
    },
    /// Write a synthetic municipality into the database, replacing its data.
    Seed {
        #[arg(long, env = "KOFU_CONFIG")]
        config: PathBuf,
        /// Number of residents.
        #[arg(long, default_value_t = 1000)]
        residents: usize,
        /// Generator seed; the relay simulator needs the same one.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Municipality code; defaults to the first configured.
        #[arg(long)]
        municipality: Option<String>,
        /// Newest fiscal year to generate; defaults to the newest open today under the policy.
        #[arg(long)]
        latest_fiscal_year: Option<i32>,
    },
    /// Play the J-LIS relay: issue certificates over mTLS and write PDFs to a folder.
    RelaySim {
        #[arg(long, env = "KOFU_CONFIG")]
        config: PathBuf,
        /// Server URL; defaults to https://localhost:<server.grpc_addr port>.
        #[arg(long)]
        server: Option<String>,
        /// Folder with ca.pem, relay.pem and relay.key (from `kofu dev-certs`).
        #[arg(long, default_value = "dev-certs")]
        certs: PathBuf,
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
    },
    /// Write a development CA, server and client certificates (local use only).
    DevCerts { dir: PathBuf },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    kofu::telemetry::init();
    match Cli::parse().command {
        Command::Serve { config } => {
            let settings = Settings::load(Some(&config))?;
            let app = kofu::startup::App::build(settings).await?;
            tracing::info!(grpc.addr = %app.grpc_addr(), metrics.addr = %app.metrics_addr(), "serving");
            app.run_until(kofu::startup::shutdown_signal()).await?;
            tracing::info!("stopped");
        }
        Command::Migrate { config } => {
            let settings = Settings::load(Some(&config))?;
            let (mut client, connection) =
                tokio_postgres::connect(settings.database.url.expose(), tokio_postgres::NoTls)
                    .await
                    .context("connecting to the database")?;
            tokio::spawn(connection);
            let applied = kofu::db::migrate::run(&mut client).await?;
            if applied.is_empty() {
                println!(
                    "database already at schema version {}",
                    kofu::db::migrate::latest_version()
                );
            } else {
                println!("applied migrations {applied:?}");
            }
        }
        Command::Seed {
            config,
            residents,
            seed,
            municipality,
            latest_fiscal_year,
        } => {
            let settings = Settings::load(Some(&config))?;
            let m = pick_municipality(&settings, municipality.as_deref())?;
            let year = latest_fiscal_year.unwrap_or_else(|| open_year(&settings, m));
            let (mut client, connection) =
                tokio_postgres::connect(settings.database.url.expose(), tokio_postgres::NoTls)
                    .await
                    .context("connecting to the database")?;
            tokio::spawn(connection);
            kofu::db::migrate::ensure_current(&client).await?;
            let started = std::time::Instant::now();
            let counts =
                kofu::db::seed::seed(&mut client, &m.into(), seed, residents, year).await?;
            println!(
                "seeded {} ({}): {} residents, {} card links, {} assessments, {} payments for fiscal years {}..={} in {:.1?}",
                m.name,
                m.code,
                counts.residents,
                counts.card_links,
                counts.assessments,
                counts.payments,
                year - 3,
                year,
                started.elapsed()
            );
        }
        Command::RelaySim {
            config,
            server,
            certs,
            residents,
            seed,
            municipality,
            fiscal_year,
            requests,
            concurrency,
            out,
            save,
        } => {
            let settings = Settings::load(Some(&config))?;
            let m = pick_municipality(&settings, municipality.as_deref())?;
            let server = server.unwrap_or_else(|| {
                format!("https://localhost:{}", settings.server.grpc_addr.port())
            });
            let report = kofu::relay_sim::run(kofu::relay_sim::RelaySimOptions {
                server,
                server_name: "localhost".into(),
                ca: certs.join("ca.pem"),
                cert: certs.join("relay.pem"),
                key: certs.join("relay.key"),
                municipality: m.into(),
                seed,
                residents,
                fiscal_year: fiscal_year.unwrap_or_else(|| open_year(&settings, m)),
                requests,
                concurrency,
                out_dir: out.clone(),
                save,
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
                "IssueCertificate latency: p50 {:.2} ms, p99 {:.2} ms (client side, concurrency {concurrency})",
                report.percentile(0.50).as_secs_f64() * 1e3,
                report.percentile(0.99).as_secs_f64() * 1e3
            );
            println!("{} PDFs written to {}", report.saved.len(), out.display());
            anyhow::ensure!(report.errors.is_empty(), "some calls failed");
            anyhow::ensure!(report.issued > 0, "no certificate was issued");
        }
        Command::DevCerts { dir } => {
            kofu::dev_certs::write_dev_certs(&dir)?;
            println!(
                "wrote development certificates to {} (local use only)",
                dir.display()
            );
        }
    }
    Ok(())
}

fn pick_municipality<'a>(
    settings: &'a Settings,
    code: Option<&str>,
) -> anyhow::Result<&'a kofu::config::MunicipalitySettings> {
    match code {
        Some(code) => {
            let code = kofu::domain::lg_code::LgCode::parse(code)?;
            settings
                .municipality(code)
                .with_context(|| format!("municipality {code} is not in the configuration"))
        }
        None => settings
            .municipalities
            .first()
            .context("the configuration has no [[municipalities]]"),
    }
}

fn open_year(settings: &Settings, m: &kofu::config::MunicipalitySettings) -> i32 {
    let today = kofu::clock::Clock::from_setting(settings.clock.fixed_now).today();
    kofu::domain::eligibility::latest_open_fiscal_year(today, &m.policy)
}
