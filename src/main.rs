//! The `kofu` command: serve, migrate, seed, relay-sim, dev-certs. Thin: each command parses its
//! flags and calls into the library.

use anyhow::Context;
use chrono::Datelike;
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
    /// Write a synthetic municipality into the database through the sync pipeline (a FULL batch
    /// applied in-process), replacing its data.
    Seed {
        #[arg(long, env = "KOFU_CONFIG")]
        config: PathBuf,
        #[command(flatten)]
        population: Population,
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
    /// Preview a certificate from built-in synthetic data, to check layout, tax names and seal.
    Render {
        /// Municipality profile; without it a built-in 新宿区 profile is used.
        #[arg(long, env = "KOFU_CONFIG")]
        config: Option<PathBuf>,
        /// income, taxation, income-and-taxation or tax-payment.
        #[arg(long)]
        kind: String,
        /// Use the built-in synthetic person (the only source for now).
        #[arg(long)]
        sample: bool,
        /// Render the sample's non-taxed year (非課税).
        #[arg(long)]
        untaxed: bool,
        #[arg(long)]
        municipality: Option<String>,
        /// Fiscal year to print; defaults to the newest open today.
        #[arg(long)]
        fiscal_year: Option<i32>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Reports for the municipality's accounts.
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// The audit trail: verify its hash chain, purge entries past retention.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The tax system's nightly sync: write a batch file, push it, ask for a batch's outcome.
    Sync {
        #[command(subcommand)]
        command: SyncCommand,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// Fee settlement as CSV: per day (Japan time), municipality, kind and kiosk operator, the
    /// certificates printed, copies and yen. Voided certificates are not charged.
    Fees {
        #[arg(long, env = "KOFU_CONFIG")]
        config: PathBuf,
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: chrono::NaiveDate,
        /// Last day, YYYY-MM-DD, included.
        #[arg(long)]
        to: chrono::NaiveDate,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the whole chain; exits 1 and names the first bad entry if anything was changed or deleted.
    Verify {
        #[arg(long, env = "KOFU_CONFIG")]
        config: PathBuf,
    },
    /// Delete entries older than the retention period, recording the purge.
    Purge {
        #[arg(long, env = "KOFU_CONFIG")]
        config: PathBuf,
        /// Keep this many years (the legal minimum for access logs is 7).
        #[arg(long, default_value_t = 7)]
        retention_years: u32,
    },
}

/// Which synthetic population to generate (`seed` and `sync gen`).
#[derive(clap::Args)]
struct Population {
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
}

impl Population {
    /// The configured municipality and the newest fiscal year to generate.
    fn resolve<'s>(
        &self,
        settings: &'s Settings,
    ) -> anyhow::Result<(&'s kofu::config::MunicipalitySettings, i32)> {
        let m = pick_municipality(settings, self.municipality.as_deref())?;
        let year = self
            .latest_fiscal_year
            .unwrap_or_else(|| open_year(settings, m));
        Ok((m, year))
    }

    fn records(
        &self,
        m: &kofu::config::MunicipalitySettings,
        year: i32,
    ) -> impl Iterator<Item = kofu::domain::sync_record::SyncRecord> + use<> {
        kofu::synthetic::records(self.seed, &m.into(), self.residents, year)
    }
}

#[derive(Subcommand)]
enum SyncCommand {
    /// Write a batch file (JSON Lines, docs/sync-format.md) of a synthetic municipality.
    Gen {
        #[arg(long, env = "KOFU_CONFIG")]
        config: PathBuf,
        #[command(flatten)]
        population: Population,
        /// Defaults to "synthetic-<time>".
        #[arg(long)]
        batch_id: Option<String>,
        #[arg(long, default_value = "out/batch.jsonl")]
        out: PathBuf,
    },
    /// Stream a batch file to kofu over mutual TLS, as the nightly job does; exits 1 unless applied.
    Push {
        #[arg(long, env = "KOFU_CONFIG")]
        config: PathBuf,
        #[arg(long)]
        server: Option<String>,
        /// Folder with ca.pem, sync.pem and sync.key.
        #[arg(long, default_value = "dev-certs")]
        certs: PathBuf,
        /// Send the file under this batch id instead of its header's.
        #[arg(long)]
        batch_id: Option<String>,
        file: PathBuf,
    },
    /// Ask kofu for the outcome of a batch sent earlier.
    Status {
        #[arg(long, env = "KOFU_CONFIG")]
        config: PathBuf,
        #[arg(long)]
        server: Option<String>,
        #[arg(long, default_value = "dev-certs")]
        certs: PathBuf,
        batch_id: String,
    },
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
        Command::Seed { config, population } => {
            let settings = Settings::load(Some(&config))?;
            let (m, year) = population.resolve(&settings)?;
            let m = m.clone();
            let clock = kofu::clock::Clock::from_setting(settings.clock.fixed_now);
            let pool = kofu::db::pool(
                settings.database.url.expose(),
                2,
                std::time::Duration::from_secs(30),
            )?;
            let client = pool.get().await.map_err(kofu::db::DbError::from)?;
            kofu::db::migrate::ensure_current(&client).await?;
            drop(client);
            let service = kofu::sync::SyncService::new(
                pool,
                std::sync::Arc::new(settings),
                kofu::metrics::Metrics::new(),
            );
            let started = std::time::Instant::now();
            let now = extraction_time(clock.now(), year).to_utc();
            let report = service
                .apply(
                    kofu::sync::BatchHeader {
                        batch_id: format!("seed-{}", now.timestamp_micros()),
                        lg_code: m.code,
                        mode: kofu::db::sync::Mode::Full,
                        extracted_at: now,
                    },
                    "kofu seed",
                    population.records(&m, year),
                )
                .await?;
            anyhow::ensure!(
                report.state == kofu::sync::BatchState::Applied,
                "the synthetic batch was rejected: {:?}",
                report.errors.first()
            );
            use kofu::domain::sync_record::RecordType as T;
            println!(
                "seeded {} ({}): {} residents, {} card links, {} assessments, {} payments for fiscal years {}..={} in {:.1?}",
                m.name,
                m.code,
                report.counts.get(T::Resident),
                report.counts.get(T::CardLink),
                report.counts.get(T::Assessment),
                report.counts.get(T::Payment),
                year - 3,
                year,
                started.elapsed()
            );
        }
        Command::Sync { command } => sync_command(command).await?,
        Command::Audit { command } => audit_command(command).await?,
        Command::Report {
            command:
                ReportCommand::Fees {
                    config,
                    from,
                    to,
                    out,
                },
        } => {
            anyhow::ensure!(from <= to, "--from must not be after --to");
            let settings = Settings::load(Some(&config))?;
            let pool = kofu::db::pool(
                settings.database.url.expose(),
                1,
                std::time::Duration::from_secs(30),
            )?;
            let client = pool.get().await.map_err(kofu::db::DbError::from)?;
            kofu::db::migrate::ensure_current(&client).await?;
            let mut csv = String::from(
                "municipality_code,date,kind,operator_code,certificates,copies,fee_yen\n",
            );
            for l in kofu::db::issuance::fee_lines(&client, from, to).await? {
                csv.push_str(&format!(
                    "{},{},{},{},{},{},{}\n",
                    l.lg_code, l.day, l.kind, l.operator_code, l.certificates, l.copies, l.fee_yen
                ));
            }
            match out {
                Some(path) => std::fs::write(&path, csv)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => print!("{csv}"),
            }
        }
        Command::Render {
            config,
            kind,
            sample,
            untaxed,
            municipality,
            fiscal_year,
            out,
        } => {
            anyhow::ensure!(
                sample,
                "only --sample is supported: previews use built-in synthetic data"
            );
            let kind = kofu::domain::certificate::CertificateKind::from_code(&kind).with_context(|| {
                format!("unknown kind {kind:?}: use income, taxation, income-and-taxation or tax-payment")
            })?;
            let settings = match &config {
                Some(path) => Settings::load(Some(path))?,
                None => Settings::load(Some(std::path::Path::new(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/ops/kofu.dev.toml"
                ))))?,
            };
            let m = pick_municipality(&settings, municipality.as_deref())?;
            let clock = kofu::clock::Clock::from_setting(settings.clock.fixed_now);
            let year = fiscal_year.unwrap_or_else(|| open_year(&settings, m));
            let renderer = kofu::pdf::Renderer::new(&kofu::pdf::FontPaths {
                primary: settings.fonts.primary.clone(),
                fallback: settings.fonts.fallback.clone(),
            })?;
            use kofu::synthetic::sample;
            let resident = sample::resident();
            let assessment = sample::assessment(year, !untaxed);
            let payments = sample::payments(&assessment);
            let today = clock.today();
            let document = kofu::compose::compose(&kofu::compose::CertificateInput {
                kind,
                municipality: m,
                resident: &resident,
                assessment: &assessment,
                payments: &payments,
                certificate_number: &kofu::domain::certificate::certificate_number(today, 123),
                issued_on: today,
                seal: &m.load_seal()?,
            });
            let pdf = renderer.render(&document)?;
            std::fs::write(&out, &pdf).with_context(|| format!("writing {}", out.display()))?;
            println!(
                "wrote {} ({} bytes): {}",
                out.display(),
                pdf.len(),
                document.title
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
                "flow: {} ListAvailable, {} retries with identical bytes, {} printed, {} voided (failed prints), {} flow errors",
                report.listed,
                report.retried_identical,
                report.printed,
                report.voided,
                report.flow_errors
            );
            println!(
                "IssueCertificate latency: p50 {:.2} ms, p99 {:.2} ms (client side, concurrency {concurrency})",
                report.percentile(0.50).as_secs_f64() * 1e3,
                report.percentile(0.99).as_secs_f64() * 1e3
            );
            println!("{} PDFs written to {}", report.saved.len(), out.display());
            anyhow::ensure!(
                report.errors.is_empty() && report.flow_errors == 0,
                "some calls failed"
            );
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
    // Synthetic data includes the newest year open to anyone (withholding opens first).
    kofu::domain::eligibility::latest_open_fiscal_year(
        today,
        Some(kofu::domain::assessment::CollectionMethod::Withholding),
        &m.policy,
    )
}

async fn sync_channel(
    settings: &Settings,
    server: Option<String>,
    certs: &std::path::Path,
) -> anyhow::Result<tonic::transport::Channel> {
    let server =
        server.unwrap_or_else(|| format!("https://localhost:{}", settings.server.grpc_addr.port()));
    kofu::relay_sim::connect(
        &server,
        "localhost",
        &certs.join("ca.pem"),
        &certs.join("sync.pem"),
        &certs.join("sync.key"),
    )
    .await
}

async fn sync_command(command: SyncCommand) -> anyhow::Result<()> {
    match command {
        SyncCommand::Gen {
            config,
            population,
            batch_id,
            out,
        } => {
            let settings = Settings::load(Some(&config))?;
            let (m, year) = population.resolve(&settings)?;
            let now = extraction_time(
                kofu::clock::Clock::from_setting(settings.clock.fixed_now).now(),
                year,
            );
            let header = kofu::sync_client::FileHeader {
                batch_id: batch_id.unwrap_or_else(|| format!("synthetic-{}", now.timestamp())),
                municipality_code: m.code.to_string(),
                mode: "full".into(),
                extracted_at: now,
            };
            if let Some(dir) = out.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let started = std::time::Instant::now();
            let count =
                kofu::sync_client::write_batch_file(&out, &header, population.records(m, year))?;
            println!(
                "wrote batch {} ({count} records, fiscal years {}..={year}) to {} in {:.1?}",
                header.batch_id,
                year - 3,
                out.display(),
                started.elapsed()
            );
        }
        SyncCommand::Push {
            config,
            server,
            certs,
            batch_id,
            file,
        } => {
            let settings = Settings::load(Some(&config))?;
            let channel = sync_channel(&settings, server, &certs).await?;
            let started = std::time::Instant::now();
            let report = kofu::sync_client::push(channel, &file, batch_id).await?;
            let seconds = started.elapsed().as_secs_f64();
            println!("{}", kofu::sync_client::describe(&report));
            let records = report.counts.as_ref().map_or(0, |c| {
                c.residents + c.card_links + c.assessments + c.payments
            });
            println!(
                "{records} records in {seconds:.1} s: {:.0} records/s",
                records as f64 / seconds
            );
            let applied = [
                kofu::grpc::pb::BatchState::Applied as i32,
                kofu::grpc::pb::BatchState::AlreadyApplied as i32,
            ];
            if !applied.contains(&report.state) {
                std::process::exit(1);
            }
        }
        SyncCommand::Status {
            config,
            server,
            certs,
            batch_id,
        } => {
            let settings = Settings::load(Some(&config))?;
            let channel = sync_channel(&settings, server, &certs).await?;
            let report =
                kofu::grpc::pb::tax_sync_service_client::TaxSyncServiceClient::new(channel)
                    .get_batch(kofu::grpc::pb::GetBatchRequest { batch_id })
                    .await
                    .map_err(|s| anyhow::anyhow!("{:?}: {}", s.code(), s.message()))?
                    .into_inner();
            println!("{}", kofu::sync_client::describe(&report));
        }
    }
    Ok(())
}

/// When a synthetic batch counts as extracted: now, or the day its data describes (payments up to
/// 1 November of the newest year) if that is later, so that no date in it lies after extraction.
fn extraction_time(
    now: chrono::DateTime<chrono::FixedOffset>,
    latest_fiscal_year: i32,
) -> chrono::DateTime<chrono::FixedOffset> {
    let data_day = kofu::synthetic::extraction_date(latest_fiscal_year)
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_local_timezone(kofu::clock::japan())
        .single()
        .expect("Japan has no DST");
    now.max(data_day)
}

async fn audit_command(command: AuditCommand) -> anyhow::Result<()> {
    let config = match &command {
        AuditCommand::Verify { config } | AuditCommand::Purge { config, .. } => config.clone(),
    };
    let settings = Settings::load(Some(&config))?;
    let pool = kofu::db::pool(
        settings.database.url.expose(),
        1,
        std::time::Duration::from_secs(30),
    )?;
    let mut client = pool.get().await.map_err(kofu::db::DbError::from)?;
    kofu::db::migrate::ensure_current(&client).await?;
    match command {
        AuditCommand::Verify { .. } => match kofu::db::audit::verify(&client).await? {
            kofu::db::audit::ChainCheck::Intact { entries } => {
                println!("audit trail intact: {entries} entries verified");
            }
            kofu::db::audit::ChainCheck::Broken { seq, reason } => {
                println!("audit trail BROKEN at entry {seq}: {reason}");
                std::process::exit(1);
            }
        },
        AuditCommand::Purge {
            retention_years, ..
        } => {
            let now = kofu::clock::Clock::from_setting(settings.clock.fixed_now).now();
            let before = now
                .with_year(now.year() - retention_years as i32)
                .unwrap_or(now)
                .to_utc();
            let deleted = kofu::db::audit::purge(&mut client, before, "kofu audit purge").await?;
            println!("purged {deleted} audit entries older than {before}");
        }
    }
    Ok(())
}
